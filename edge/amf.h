/*
 * amf: AMF0 codec for RTMP command and data messages.
 *
 * Users: the RTMP command layer (connect, createStream, play, publish,
 * deleteStream ...) decodes message bodies of type 20 (command, AMF0),
 * 18 (data, AMF0), 17 and 15 (the AMF3-wrapped forms) and encodes the
 * replies (_result, _error, onStatus, onMetaData, |RtmpSampleAccess).
 * Pure: bytes in, values out, and values in, bytes out; no I/O, no heap.
 *
 * Wire layout (AMF0 spec; every integer big-endian):
 *
 *	body    = value*                     top-level sequence, to the end
 *	value   = 00 f64                     number (IEEE-754 double)
 *	        | 01 u8                      boolean (non-zero is true)
 *	        | 02 u16 bytes               string
 *	        | 0C u32 bytes               long string
 *	        | 03 member* 00 00 09        object
 *	        | 05 | 06                    null | undefined
 *	        | 08 u32 member* 00 00 09    ECMA array (the u32 is a hint)
 *	        | 0A u32 value{u32}          strict array
 *	        | 0B f64 s16                 date (ms since epoch, tz minutes)
 *	        | 11 amf3-value              switch to AMF3 for one value
 *	member  = u16 bytes value            key, then value (key may be empty)
 *
 *	e.g. onStatus:  02 00 08 "onStatus"  00 <0.0>  05
 *	                03 00 05 "level" 02 00 06 "status" ... 00 00 09
 *
 * Decoding builds a tree of struct amf_value nodes taken from a pool the
 * caller provides (a fixed array, on the stack, embedded in a session, or
 * from an arena): nothing is allocated per value. Strings and keys point
 * into the input buffer (borrowed, not NUL-terminated), so the input must
 * outlive the tree. Containers link their members through `next`.
 *
 * Limits, checked before a node is taken from the pool:
 *  - nesting: a container at depth AMF_MAX_DEPTH (top level is depth 0)
 *    is RC_LIMIT;
 *  - values: at most the pool's capacity per message (AMF_MAX_VALUES is
 *    the recommended size), RC_LIMIT beyond it;
 *  - strings: bounded by the message; a length past its end is
 *    RC_TRUNCATED. A strict array's count is checked against the bytes
 *    left (every value takes at least one) and then the pool.
 *
 * Markers: accepted as above. Rejected with RC_UNSUPPORTED: 0x04 movie
 * clip, 0x07 reference, 0x0D unsupported, 0x0E record set, 0x0F XML
 * document and 0x10 typed object. No RTMP client puts them in commands or
 * metadata, and SRS and nginx-rtmp reject them too; references would need
 * an object table and typed objects are AS class instances. A stray 0x09
 * (object end outside "00 00 09" ending an object) and markers above 0x11
 * are RC_MALFORMED.
 *
 * AMF3 (marker 0x11): only the scalars a Flash client using
 * objectEncoding 3 puts in commands are decoded, mapped to AMF0 types:
 * undefined, null, false, true, integer (29-bit, as a number), double and
 * inline strings. AMF3 string references, dates, arrays, objects, XML and
 * byte arrays are RC_UNSUPPORTED: they need the AMF3 reference tables.
 * amf_skip_amf3_prefix() handles the leading byte of types 17 and 15.
 *
 * Encoding appends to a bounded struct wire_writer (common/wire.h): the
 * amf_put_* functions never fail individually; on overflow the writer's
 * `err` is set and later writes do nothing, so build a whole message and
 * check w->err once.
 *
 * Everything here may be called from anywhere; nothing keeps state.
 */
#ifndef EDGE_AMF_H
#define EDGE_AMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

/* Containers nest at most this deep; top-level values are at depth 0. */
#define AMF_MAX_DEPTH 16
/* Recommended pool size: values per message, counting every member. */
#define AMF_MAX_VALUES 512

/* AMF0 markers (the byte before each value on the wire). */
enum amf_marker {
	AMF_MARKER_NUMBER = 0x00,
	AMF_MARKER_BOOLEAN = 0x01,
	AMF_MARKER_STRING = 0x02,
	AMF_MARKER_OBJECT = 0x03,
	AMF_MARKER_MOVIECLIP = 0x04,
	AMF_MARKER_NULL = 0x05,
	AMF_MARKER_UNDEFINED = 0x06,
	AMF_MARKER_REFERENCE = 0x07,
	AMF_MARKER_ECMA_ARRAY = 0x08,
	AMF_MARKER_OBJECT_END = 0x09,
	AMF_MARKER_STRICT_ARRAY = 0x0A,
	AMF_MARKER_DATE = 0x0B,
	AMF_MARKER_LONG_STRING = 0x0C,
	AMF_MARKER_UNSUPPORTED = 0x0D,
	AMF_MARKER_RECORDSET = 0x0E,
	AMF_MARKER_XML_DOCUMENT = 0x0F,
	AMF_MARKER_TYPED_OBJECT = 0x10,
	AMF_MARKER_AVMPLUS = 0x11,
};

/*
 * Decoded value types. The numbering is the AMF0 marker, so that a tree
 * re-encodes to the same bytes (a long string stays a long string).
 */
enum amf_type {
	AMF_NUMBER = AMF_MARKER_NUMBER,
	AMF_BOOLEAN = AMF_MARKER_BOOLEAN,
	AMF_STRING = AMF_MARKER_STRING,
	AMF_OBJECT = AMF_MARKER_OBJECT,
	AMF_NULL = AMF_MARKER_NULL,
	AMF_UNDEFINED = AMF_MARKER_UNDEFINED,
	AMF_ECMA_ARRAY = AMF_MARKER_ECMA_ARRAY,
	AMF_STRICT_ARRAY = AMF_MARKER_STRICT_ARRAY,
	AMF_DATE = AMF_MARKER_DATE,
	AMF_LONG_STRING = AMF_MARKER_LONG_STRING,
};

/*
 * One decoded value. Strings and keys are borrowed from the input buffer
 * and are not NUL-terminated.
 */
struct amf_value {
	enum amf_type type;
	/* Members of an object or ECMA array, elements of a strict array. */
	uint32_t count;
	/* Member name inside an object or ECMA array, else NULL/0. */
	const char *key;
	uint16_t key_len;
	/* Next value at the same level (sibling member or argument). */
	struct amf_value *next;
	union {
		double num;
		bool boolean;
		struct {
			const char *ptr;
			uint32_t len;
		} str;
		struct {
			double ms;
			int16_t tz;
		} date;
		struct {
			struct amf_value *first;
			/* ECMA array: the count hint as sent. */
			uint32_t hint;
		} c;
	} u;
};

/*
 * A decoded message body: the top-level values in order, and the pool
 * their nodes came from. Set up with amf_msg_init().
 */
struct amf_msg {
	struct amf_value *pool; /* borrowed */
	size_t cap;
	size_t used;
	struct amf_value *first; /* first top-level value, NULL if none */
	size_t count;		 /* top-level values */
	bool has_amf3;		 /* some value was AMF3 (0x11) */
};

/*
 * Prepare `m` to decode into `pool` (borrowed; `cap` nodes, normally
 * AMF_MAX_VALUES). The pool caps the values per message. Anywhere.
 */
void amf_msg_init(struct amf_msg *m, struct amf_value *pool, size_t cap);

/*
 * Decode the whole body `buf`/`len` (borrowed; must outlive `m`'s values)
 * as a sequence of values into `m`, which amf_msg_init() prepared; the
 * pool is reset first, so `m` can be reused for the next message. An
 * empty body is RC_OK with no values.
 * Returns RC_OK; RC_TRUNCATED if a value runs past the end; RC_MALFORMED
 * for an unknown marker or a stray object end; RC_UNSUPPORTED for markers
 * listed above; RC_LIMIT for depth or pool exhaustion. On error `m` holds
 * no usable values. Anywhere.
 */
int amf_decode_all(const uint8_t *buf, size_t len, struct amf_msg *m);

/*
 * For message types 17 (command, AMF3) and 15 (data, AMF3): step over the
 * one leading byte (0x00 from every known client) so that the rest decodes
 * as AMF0. Like SRS and nginx-rtmp the byte's value is not checked.
 * Returns RC_OK, or RC_TRUNCATED for an empty body. Anywhere.
 */
int amf_skip_amf3_prefix(const uint8_t **buf, size_t *len);

/* The i-th top-level value (0-based), or NULL past the end. */
const struct amf_value *amf_msg_get(const struct amf_msg *m, size_t i);

/*
 * Member `key` (NUL-terminated, borrowed) of an object or ECMA array `v`;
 * the first one if repeated. NULL if absent, or if `v` is NULL or not an
 * object or ECMA array, so lookups chain without checks.
 */
const struct amf_value *amf_object_get(const struct amf_value *v,
    const char *key);

/*
 * Typed accessors. Each returns RC_OK and stores the value, or
 * RC_MALFORMED if `v` is NULL or of another type (storing nothing).
 * amf_as_string accepts short and long strings; `*ptr` is borrowed from
 * the input and not NUL-terminated.
 */
int amf_as_string(const struct amf_value *v, const char **ptr, size_t *len);
int amf_as_number(const struct amf_value *v, double *out);
int amf_as_bool(const struct amf_value *v, bool *out);

/* True if `v` is a (short or long) string equal to NUL-terminated `s`. */
bool amf_is_string(const struct amf_value *v, const char *s);

/* Short stable name of a type ("number", "object", ...); never NULL. */
const char *amf_type_str(enum amf_type type);

/* ---- Encoding (see the overview: check w->err once at the end) ---- */

void amf_put_number(struct wire_writer *w, double v);
void amf_put_bool(struct wire_writer *w, bool v);
/* Marker 0x02, or 0x0C when len > 65535. `s` borrowed. */
void amf_put_string(struct wire_writer *w, const char *s, size_t len);
/* amf_put_string() of a NUL-terminated string. */
void amf_put_cstr(struct wire_writer *w, const char *s);
void amf_put_null(struct wire_writer *w);
void amf_put_undefined(struct wire_writer *w);
void amf_put_date(struct wire_writer *w, double ms, int16_t tz);
/* Marker 0x03; follow with key/value pairs and amf_put_object_end(). */
void amf_put_object_start(struct wire_writer *w);
/* Marker 0x08 and the count hint; pairs and amf_put_object_end() follow. */
void amf_put_ecma_start(struct wire_writer *w, uint32_t count);
/* Marker 0x0A and the count; exactly `count` values must follow. */
void amf_put_strict_start(struct wire_writer *w, uint32_t count);
/*
 * A member name (u16 length, no marker), then the member's value. A key
 * longer than 65535 bytes sets w->err. `key` borrowed.
 */
void amf_put_object_key(struct wire_writer *w, const char *key, size_t len);
/* 00 00 09: ends an object or ECMA array. */
void amf_put_object_end(struct wire_writer *w);

/* Member shorthands: NUL-terminated key, then the value. */
void amf_put_prop_cstr(struct wire_writer *w, const char *key, const char *s);
void amf_put_prop_number(struct wire_writer *w, const char *key, double v);
void amf_put_prop_bool(struct wire_writer *w, const char *key, bool v);

/*
 * Encode a decoded value (and its members) as AMF0. A tree decoded from
 * AMF0 alone re-encodes to the bytes it came from; AMF3 scalars become
 * their AMF0 equivalents. Recursion is bounded by AMF_MAX_DEPTH for trees
 * from amf_decode_all().
 */
void amf_put_value(struct wire_writer *w, const struct amf_value *v);

#endif
