/*
 * fuzz_rtmp_handshake: both roles of the RTMP handshake state machine.
 *
 * Input: one flag byte, two bytes of split point (big-endian), then the
 * peer's bytes. Flag bit 0 plays the client role (the input is S0 S1 S2),
 * otherwise the server role (C0 C1 C2); bit 1 turns digests on; bit 2
 * (server only) prepends a valid digest C0+C1 from our own client, so the
 * input is C2 and what follows; bit 3 picks the key-first layout for it.
 * The bytes are fed in two calls split at the chosen point. The target
 * aborts if more is consumed than given, if a server writes anything but
 * exactly S0+S1+S2 (3073 bytes) once, or a client anything but C0+C1
 * (1537) then C2 (1536).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "common/wire.h"
#include "edge/rtmp_handshake.h"
#include "tests/fuzz/fuzz_common.h"

#define FUZZ_MAX_INPUT 65536

static void
fuzz_check(int rc, size_t used, size_t given, const struct rtmp_hs *hs)
{
	if (used > given)
		abort();
	if (rc != RC_OK && rc != RC_AGAIN && rc != RC_UNSUPPORTED)
		abort();
	if (rc == RC_AGAIN && used != given)
		abort();
	if ((rc == RC_OK) != rtmp_hs_is_done(hs))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[RTMP_HS_OUT_MAX + FUZZ_MAX_INPUT];
	static uint8_t out[RTMP_HS_OUT_MAX];
	static struct rtmp_hs hs;
	uint8_t rnd[RTMP_HS_RANDOM_LEN];
	struct rtmp_hs_opts o = { 0 };
	struct wire_writer w;
	size_t len = 0, split, used, total;
	uint8_t flags;
	bool client;
	int rc;

	if (size < 3)
		return 0;
	flags = data[0];
	client = flags & 1;
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)(i * 31 + flags);
	o.time = 12345;
	o.random = rnd;
	o.digest = flags & 2;
	o.schema =
	    flags & 8 ? RTMP_HS_SCHEMA_KEY_FIRST : RTMP_HS_SCHEMA_DIGEST_FIRST;
	split = (size_t)data[1] << 8 | data[2];
	data += 3;
	size -= 3;
	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;

	if (!client && (flags & 4)) {
		/* A valid digest C0+C1 from our client, then the input. */
		struct rtmp_hs_opts co = o;

		co.digest = true;
		rtmp_hs_init(&hs, RTMP_HS_CLIENT, &co);
		wire_writer_init(&w, buf, sizeof(buf));
		if (rtmp_hs_feed(&hs, NULL, 0, &used, &w) != RC_AGAIN ||
		    w.pos != 1 + RTMP_HS_SIZE)
			abort();
		len = w.pos;
	}
	memcpy(buf + len, data, size);
	len += size;
	if (split > len)
		split = len;

	rtmp_hs_init(&hs, client ? RTMP_HS_CLIENT : RTMP_HS_SERVER, &o);
	wire_writer_init(&w, out, sizeof(out));
	if (client) {
		rc = rtmp_hs_feed(&hs, NULL, 0, &used, &w);
		if (rc != RC_AGAIN || used != 0 || w.pos != 1 + RTMP_HS_SIZE)
			abort();
		wire_writer_init(&w, out, sizeof(out));
	}

	rc = rtmp_hs_feed(&hs, buf, split, &used, &w);
	fuzz_check(rc, used, split, &hs);
	total = used;
	if (rc == RC_AGAIN) {
		rc = rtmp_hs_feed(&hs, buf + split, len - split, &used, &w);
		fuzz_check(rc, used, len - split, &hs);
		total += used;
	}

	/* Output: all or nothing of S0S1S2 (server) or C2 (client). */
	if (w.err)
		abort();
	if (client) {
		if (w.pos != 0 && w.pos != RTMP_HS_SIZE)
			abort();
		if (total > 1 + RTMP_HS_SIZE && w.pos != RTMP_HS_SIZE)
			abort();
	} else {
		if (w.pos != 0 && w.pos != RTMP_HS_OUT_MAX)
			abort();
		if (total > 1 + RTMP_HS_SIZE && w.pos != RTMP_HS_OUT_MAX)
			abort();
		if (total < 1 + RTMP_HS_SIZE && w.pos != 0)
			abort();
	}
	if (rc == RC_OK && total != RTMP_HS_OUT_MAX)
		abort();
	if (rc == RC_UNSUPPORTED && total != 1)
		abort();
	/* Done is sticky and consumes nothing more. */
	if (rc == RC_OK) {
		rc = rtmp_hs_feed(&hs, buf, len, &used, &w);
		if (rc != RC_OK || used != 0)
			abort();
		if (rtmp_hs_schema(&hs) != RTMP_HS_SCHEMA_NONE &&
		    !rtmp_hs_is_digest(&hs))
			abort();
	}
	return 0;
}
