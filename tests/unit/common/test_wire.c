#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/wire.h"

static void test_wire_get_bounds(void **state);
static void test_wire_get_sticky_error(void **state);
static void test_wire_get_bytes(void **state);
static void test_wire_remaining(void **state);
static void test_wire_put_values(void **state);
static void test_wire_put_overflow(void **state);
static void test_wire_patch_u16(void **state);

/* Reading a u8, u16 or u32 from buffers of every short length. */
static void
test_wire_get_bounds(void **state)
{
	static const uint8_t buf[] = { 0x12, 0x34, 0x56, 0x78, 0x9a };
	static const struct {
		const char *desc;
		size_t len;   /* buffer length offered */
		unsigned get; /* bytes read: 1, 2 or 4 */
		uint32_t value;
		bool err;
	} cases[] = {
		{ "u8 from empty", 0, 1, 0, true },
		{ "u8 from 1", 1, 1, 0x12, false },
		{ "u16 from 1", 1, 2, 0, true },
		{ "u16 from 2", 2, 2, 0x1234, false },
		{ "u32 from 3", 3, 4, 0, true },
		{ "u32 from 4", 4, 4, 0x12345678, false },
		{ "u32 from 5", 5, 4, 0x12345678, false },
	};
	struct wire_reader w;
	uint32_t v = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wire_reader_init(&w, buf, cases[i].len);
		switch (cases[i].get) {
		case 1:
			v = wire_get_u8(&w);
			break;
		case 2:
			v = wire_get_u16(&w);
			break;
		case 4:
			v = wire_get_u32(&w);
			break;
		}
		if (v != cases[i].value || w.err != cases[i].err)
			fail_msg("%s: got %#x err %d", cases[i].desc, v, w.err);
		assert_int_equal(w.pos, cases[i].err ? 0 : cases[i].get);
	}
}

/* After the first failure every read yields zero, even if it would fit. */
static void
test_wire_get_sticky_error(void **state)
{
	static const uint8_t buf[] = { 1, 2, 3 };
	struct wire_reader w;

	(void)state;
	wire_reader_init(&w, buf, sizeof(buf));
	assert_int_equal(wire_get_u16(&w), 0x0102);
	assert_int_equal(wire_get_u16(&w), 0);
	assert_true(w.err);
	assert_int_equal(wire_get_u8(&w), 0);
	assert_null(wire_get_ptr(&w, 0));
	wire_skip(&w, 0);
	assert_int_equal(w.pos, 2);
	assert_true(w.err);
}

static void
test_wire_get_bytes(void **state)
{
	static const uint8_t buf[] = { 'a', 'b', 'c', 'd' };
	struct wire_reader w;
	uint8_t out[4];
	const uint8_t *p;

	(void)state;
	wire_reader_init(&w, buf, sizeof(buf));
	wire_get_bytes(&w, out, 2);
	assert_memory_equal(out, "ab", 2);
	p = wire_get_ptr(&w, 1);
	assert_ptr_equal(p, buf + 2);
	memset(out, 0xff, sizeof(out));
	wire_get_bytes(&w, out, 2);
	assert_true(w.err);
	assert_memory_equal(out, "\0\0", 2);
	assert_int_equal(out[2], 0xff);
}

static void
test_wire_remaining(void **state)
{
	static const uint8_t buf[8];
	struct wire_reader w;

	(void)state;
	wire_reader_init(&w, buf, sizeof(buf));
	assert_int_equal(wire_remaining(&w), 8);
	wire_skip(&w, 5);
	assert_int_equal(wire_remaining(&w), 3);
	wire_skip(&w, 4);
	assert_true(w.err);
	assert_int_equal(wire_remaining(&w), 0);
}

static void
test_wire_put_values(void **state)
{
	static const uint8_t want[] = { 0xab, 0x12, 0x34, 0xde, 0xad, 0xbe,
		0xef, 'x', 'y' };
	struct wire_writer w;
	uint8_t buf[16];

	(void)state;
	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 0xab);
	wire_put_u16(&w, 0x1234);
	wire_put_u32(&w, 0xdeadbeef);
	wire_put_bytes(&w, "xy", 2);
	assert_false(w.err);
	assert_int_equal(w.pos, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

/* Each put that does not fit sets err, writes nothing, and sticks. */
static void
test_wire_put_overflow(void **state)
{
	static const struct {
		const char *desc;
		size_t cap;
		unsigned put; /* 1, 2, 4 or 5 (bytes) */
	} cases[] = {
		{ "u8 into 0", 0, 1 },
		{ "u16 into 1", 1, 2 },
		{ "u32 into 3", 3, 4 },
		{ "5 bytes into 4", 4, 5 },
	};
	struct wire_writer w;
	uint8_t buf[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 0xee, sizeof(buf));
		wire_writer_init(&w, buf, cases[i].cap);
		switch (cases[i].put) {
		case 1:
			wire_put_u8(&w, 1);
			break;
		case 2:
			wire_put_u16(&w, 1);
			break;
		case 4:
			wire_put_u32(&w, 1);
			break;
		default:
			wire_put_bytes(&w, "12345", 5);
			break;
		}
		if (!w.err || w.pos != 0 || buf[0] != 0xee)
			fail_msg("%s: err %d pos %zu", cases[i].desc, w.err,
			    w.pos);
		/* Sticky: a put that would fit now does nothing either. */
		wire_put_u8(&w, 1);
		assert_int_equal(w.pos, 0);
	}
}

static void
test_wire_patch_u16(void **state)
{
	struct wire_writer w;
	uint8_t buf[6] = { 0 };

	(void)state;
	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u16(&w, 0);
	wire_put_u16(&w, 0x5555);
	wire_patch_u16(&w, 0, 0xbeef);
	assert_int_equal(buf[0], 0xbe);
	assert_int_equal(buf[1], 0xef);
	/* Beyond what was written: ignored. */
	wire_patch_u16(&w, 3, 0x1111);
	assert_int_equal(buf[3], 0x55);
	assert_int_equal(buf[4], 0);
	assert_false(w.err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_get_bounds),
		cmocka_unit_test(test_wire_get_sticky_error),
		cmocka_unit_test(test_wire_get_bytes),
		cmocka_unit_test(test_wire_remaining),
		cmocka_unit_test(test_wire_put_values),
		cmocka_unit_test(test_wire_put_overflow),
		cmocka_unit_test(test_wire_patch_u16),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
