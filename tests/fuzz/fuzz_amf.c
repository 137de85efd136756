/*
 * fuzz_amf: the AMF0 decoder, with a round-trip oracle.
 *
 * Input: an RTMP command or data message body. Whatever decodes is
 * re-encoded with amf_put_value() and decoded again; the two trees must
 * be equal, pure AMF0 input (no 0x11 marker) must re-encode to its own
 * length (only a boolean byte other than 0 or 1 changes, to 1), and
 * encoding the second tree must reproduce the first encoding exactly, or
 * the target aborts.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "common/wire.h"
#include "edge/amf.h"
#include "tests/fuzz/fuzz_common.h"

static bool fuzz_amf_equal(const struct amf_value *a,
    const struct amf_value *b);

/* Same type, bits, bytes and keys, members compared recursively. */
static bool
fuzz_amf_equal(const struct amf_value *a, const struct amf_value *b)
{
	if (a->type != b->type || a->count != b->count ||
	    a->key_len != b->key_len ||
	    (a->key_len > 0 && memcmp(a->key, b->key, a->key_len) != 0))
		return false;
	switch (a->type) {
	case AMF_NUMBER:
		return memcmp(&a->u.num, &b->u.num, sizeof(double)) == 0;
	case AMF_BOOLEAN:
		return a->u.boolean == b->u.boolean;
	case AMF_STRING:
	case AMF_LONG_STRING:
		return a->u.str.len == b->u.str.len &&
		    (a->u.str.len == 0 ||
			memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0);
	case AMF_DATE:
		return memcmp(&a->u.date.ms, &b->u.date.ms, sizeof(double)) ==
		    0 &&
		    a->u.date.tz == b->u.date.tz;
	case AMF_OBJECT:
	case AMF_ECMA_ARRAY:
	case AMF_STRICT_ARRAY:
		if (a->type == AMF_ECMA_ARRAY && a->u.c.hint != b->u.c.hint)
			return false;
		for (a = a->u.c.first, b = b->u.c.first; a && b;
		     a = a->next, b = b->next)
			if (!fuzz_amf_equal(a, b))
				return false;
		return a == NULL && b == NULL;
	case AMF_NULL:
	case AMF_UNDEFINED:
		return true;
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct amf_value pool1[AMF_MAX_VALUES], pool2[AMF_MAX_VALUES];
	static uint8_t out[1 << 17], out2[1 << 17];
	struct amf_msg m1, m2;
	struct wire_writer w, w2;
	const struct amf_value *a, *b;
	int rc;

	amf_msg_init(&m1, pool1, AMF_MAX_VALUES);
	amf_msg_init(&m2, pool2, AMF_MAX_VALUES);
	rc = amf_decode_all(data, size, &m1);
	if (rc != RC_OK) {
		if (rc != RC_MALFORMED && rc != RC_TRUNCATED &&
		    rc != RC_LIMIT && rc != RC_UNSUPPORTED)
			abort();
		return 0;
	}
	wire_writer_init(&w, out, sizeof(out));
	for (a = m1.first; a != NULL; a = a->next)
		amf_put_value(&w, a);
	if (w.err) {
		/* AMF0 re-encodes to its own size; only AMF3 can grow. */
		if (!m1.has_amf3 && size <= sizeof(out))
			abort();
		return 0;
	}
	/* Same length; the bytes differ only in non-canonical booleans. */
	if (!m1.has_amf3 && w.pos != size)
		abort();
	if (amf_decode_all(out, w.pos, &m2) != RC_OK || m2.count != m1.count ||
	    m2.has_amf3)
		abort();
	for (a = m1.first, b = m2.first; a != NULL; a = a->next, b = b->next)
		if (!fuzz_amf_equal(a, b))
			abort();
	/* The re-encoding is canonical: encoding it again changes nothing. */
	wire_writer_init(&w2, out2, sizeof(out2));
	for (b = m2.first; b != NULL; b = b->next)
		amf_put_value(&w2, b);
	if (w2.err || w2.pos != w.pos || memcmp(out, out2, w.pos) != 0)
		abort();
	return 0;
}
