/*
 * fuzz_statemsg: the state protocol's decoders (common/statemsg).
 *
 * Input: one selector byte (0 mod 3: feed, 1: load report, 2: admin
 * request), then a message body. Whatever decodes must encode, decode
 * again to an equal encoding (the encoder's output is always valid and
 * stable), and a rejected message must leave the output untouched and
 * give a reason; otherwise the target aborts.
 *
 * The seed corpus (tests/fuzz/corpus/statemsg/) is every golden file of
 * tests/data/statemsg/ behind the selector of its kind:
 *
 *	cd tests/data/statemsg
 *	for b in $(ls); do
 *		case $b in feed-*) s='\000';; report-*) s='\001';;
 *		*) s='\002';; esac
 *		{ printf "$s"; cat "$b"; } >"../../fuzz/corpus/statemsg/$b"
 *	done
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "common/statemsg.h"
#include "tests/fuzz/fuzz_common.h"

static void fuzz_feed(const char *body, size_t len);
static void fuzz_report(const char *body, size_t len);
static void fuzz_admin(const char *body, size_t len);
static void fuzz_rejected(int rc, const char *reason);

/* A rejection is RC_MALFORMED with a non-empty reason. */
static void
fuzz_rejected(int rc, const char *reason)
{
	if (rc != RC_MALFORMED || reason[0] == '\0')
		abort();
}

static void
fuzz_feed(const char *body, size_t len)
{
	char reason[STATEMSG_REASON_MAX] = "";
	struct statemsg_feed sentinel, *f = &sentinel, *f2 = NULL;
	char *enc, *enc2;
	int rc;

	rc = statemsg_feed_decode(body, len, &f, reason, sizeof(reason));
	if (rc != RC_OK) {
		if (f != &sentinel)
			abort();
		fuzz_rejected(rc, reason);
		return;
	}
	for (size_t i = 1; i < f->nedges; i++)
		if (strcmp(f->edges[i - 1].name, f->edges[i].name) >= 0)
			abort();
	enc = statemsg_feed_encode(f);
	if (statemsg_feed_decode(enc, strlen(enc), &f2, reason,
		sizeof(reason)) != RC_OK)
		abort();
	enc2 = statemsg_feed_encode(f2);
	if (strcmp(enc, enc2) != 0)
		abort();
	free(enc);
	free(enc2);
	statemsg_feed_free(f);
	statemsg_feed_free(f2);
}

static void
fuzz_report(const char *body, size_t len)
{
	char reason[STATEMSG_REASON_MAX] = "";
	struct statemsg_report r, before, r2;
	char *enc, *enc2;
	int rc;

	memset(&r, 0x5a, sizeof(r));
	before = r;
	rc = statemsg_report_decode(body, len, &r, reason, sizeof(reason));
	if (rc != RC_OK) {
		if (memcmp(&r, &before, sizeof(r)) != 0)
			abort();
		fuzz_rejected(rc, reason);
		return;
	}
	enc = statemsg_report_encode(&r);
	if (statemsg_report_decode(enc, strlen(enc), &r2, reason,
		sizeof(reason)) != RC_OK)
		abort();
	enc2 = statemsg_report_encode(&r2);
	if (strcmp(enc, enc2) != 0)
		abort();
	free(enc);
	free(enc2);
}

static void
fuzz_admin(const char *body, size_t len)
{
	char reason[STATEMSG_REASON_MAX] = "";
	struct statemsg_admin a, before, a2;
	char *enc, *enc2;
	int rc;

	memset(&a, 0x5a, sizeof(a));
	before = a;
	rc = statemsg_admin_decode(body, len, &a, reason, sizeof(reason));
	if (rc != RC_OK) {
		if (memcmp(&a, &before, sizeof(a)) != 0)
			abort();
		fuzz_rejected(rc, reason);
		return;
	}
	enc = statemsg_admin_encode(&a);
	if (statemsg_admin_decode(enc, strlen(enc), &a2, reason,
		sizeof(reason)) != RC_OK)
		abort();
	enc2 = statemsg_admin_encode(&a2);
	if (strcmp(enc, enc2) != 0)
		abort();
	if (!a.clear) {
		char *table = statemsg_overrides_encode(&a, 1);

		free(table);
	}
	free(enc);
	free(enc2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_feed(body, size - 1);
		break;
	case 1:
		fuzz_report(body, size - 1);
		break;
	default:
		fuzz_admin(body, size - 1);
		break;
	}
	return 0;
}
