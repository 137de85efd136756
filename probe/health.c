#include "config.h"

#include "probe/health.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/monotime.h"
#include "common/rc.h"

static enum health_state health_verdict(const struct health_edge *h);
static void health_outcome_fmt(enum check_kind k, enum check_result r,
    double ms, const char *why, char *buf, size_t len);
static void health_report_fmt(const struct statemsg_report *r, char *buf,
    size_t len);
static int health_report_apply(struct health_edge *h,
    const struct statemsg_report *r, uint64_t now);
static void health_settle(struct health_edge *h, const struct health_conf *c,
    struct health_change *ch, const char *trigger, const char *aside);
static void health_line(struct health_change *ch, const char *fmt, ...)
    LOG_FMT(2, 3);

static const char *const health_state_names[HEALTH_STATE_MAX] = {
	[HEALTH_UNKNOWN] = "unknown",
	[HEALTH_UP] = "up",
	[HEALTH_DOWN] = "down",
	[HEALTH_DRAINING] = "draining",
	[HEALTH_FULL] = "full",
};

const char *
health_state_str(enum health_state s)
{
	return (unsigned)s < HEALTH_STATE_MAX ? health_state_names[s] : "?";
}

void
health_edge_init(struct health_edge *h, const char *name)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->state = HEALTH_UNKNOWN;
}

/* ---- The verdict ---- */

static enum health_state
health_verdict(const struct health_edge *h)
{
	bool fresh = h->has_report && !h->suspect;
	bool any = false, known = false;

	for (unsigned k = 0; k < CHECK_KIND_MAX; k++) {
		if (!h->enabled[k])
			continue;
		any = true;
		if (h->check[k].state == HEALTH_DOWN)
			return HEALTH_DOWN;
		if (h->check[k].state == HEALTH_UP)
			known = true;
	}
	if (any && !known)
		return HEALTH_UNKNOWN;
	if (fresh) {
		switch (h->report.state) {
		case STATEMSG_DRAINING:
			return HEALTH_DRAINING;
		case STATEMSG_FULL:
			return HEALTH_FULL;
		case STATEMSG_DOWN:
			return HEALTH_DOWN;
		case STATEMSG_UP:
			return HEALTH_UP;
		}
	}
	if (any)
		return HEALTH_UP;
	/* No active check: the reports alone. */
	return h->has_report ? HEALTH_DOWN : HEALTH_UNKNOWN;
}

static void
health_line(struct health_change *ch, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch->line, sizeof(ch->line), fmt, ap);
	va_end(ap);
	ch->logged = true;
}

/*
 * Recompute the verdict after an input described by `trigger` ("tcp: ok
 * 1 ms -> fail ..."). `aside` (may be NULL) is something worth a line
 * even if the verdict stays ("tcp up -> down"): it is logged then.
 */
static void
health_settle(struct health_edge *h, const struct health_conf *c,
    struct health_change *ch, const char *trigger, const char *aside)
{
	enum health_state old = h->state, now = health_verdict(h);

	if (now != old) {
		h->state = now;
		h->changes++;
		ch->state = true;
		ch->load = true;
		health_line(ch, "edge %s: %s; %s -> %s", h->name, trigger,
		    health_state_str(old), health_state_str(now));
	} else if (aside != NULL) {
		health_line(ch, "edge %s: %s; %s, edge stays %s", h->name,
		    trigger, aside, health_state_str(now));
	}
}

/* ---- Check outcomes ---- */

static void
health_ms_fmt(double ms, char *buf, size_t len)
{
	snprintf(buf, len, ms < 10 ? "%.1f ms" : "%.0f ms", ms);
}

/* "ok 1.2 ms", "ttff 120 ms", "fail connect: Connection refused", ... */
static void
health_outcome_fmt(enum check_kind k, enum check_result r, double ms,
    const char *why, char *buf, size_t len)
{
	char t[32];

	switch (r) {
	case CHECK_OK:
		health_ms_fmt(ms, t, sizeof(t));
		snprintf(buf, len, "%s %s", k == CHECK_PLAY ? "ttff" : "ok", t);
		break;
	case CHECK_FAIL:
		snprintf(buf, len, "fail%s%s", why[0] ? " " : "", why);
		break;
	case CHECK_TIMEOUT:
	default:
		snprintf(buf, len, "timeout%s%s", why[0] ? " " : "", why);
		break;
	}
}

void
health_check_done(struct health_edge *h, const struct health_conf *c,
    enum check_kind k, const struct check_outcome *o, uint64_t now,
    struct health_change *ch)
{
	struct health_check *hc = &h->check[k];
	enum health_state old = hc->state;
	char before[CHECK_WHY_MAX + 32], after[CHECK_WHY_MAX + 32];
	char trigger[2 * (CHECK_WHY_MAX + 32) + 16], aside[48];
	bool ok = o->result == CHECK_OK;

	memset(ch, 0, sizeof(*ch));
	if ((unsigned)k >= CHECK_KIND_MAX)
		return;
	/* Before a failure, the last success; before a success, the last
	 * failure: what changed, not the same failure twice. */
	if (ok ? hc->has_bad : hc->has_ok)
		health_outcome_fmt(k, ok ? hc->bad_result : CHECK_OK,
		    ok ? 0 : hc->ok_ms, ok ? hc->bad_why : "", before,
		    sizeof(before));
	else
		snprintf(before, sizeof(before), "none");
	health_outcome_fmt(k, o->result, o->ms, o->why, after, sizeof(after));

	if ((unsigned)o->result <= CHECK_TIMEOUT)
		hc->results[o->result]++;
	if (ok) {
		hc->has_ok = true;
		hc->ok_ms = o->ms;
	} else {
		hc->has_bad = true;
		hc->bad_result = o->result;
		snprintf(hc->bad_why, sizeof(hc->bad_why), "%s", o->why);
	}
	hc->has_last = true;
	hc->result = o->result;
	hc->ms = o->ms;
	snprintf(hc->why, sizeof(hc->why), "%s", o->why);
	hc->at = now;

	if (hc->state == HEALTH_UNKNOWN) {
		hc->state = ok ? HEALTH_UP : HEALTH_DOWN;
		hc->run = 0;
	} else if ((hc->state == HEALTH_UP) != ok) {
		if (++hc->run >= (ok ? c->rise : c->fall)) {
			hc->state = ok ? HEALTH_UP : HEALTH_DOWN;
			hc->run = 0;
		}
	} else
		hc->run = 0;

	if (ok && k == CHECK_HTTP && o->has_report &&
	    strcmp(o->report.edge, h->name) == 0 &&
	    health_report_apply(h, &o->report, now) == RC_OK)
		ch->load = true;

	snprintf(trigger, sizeof(trigger), "%s: %s -> %s", check_kind_str(k),
	    before, after);
	if (old != HEALTH_UNKNOWN && old != hc->state) {
		snprintf(aside, sizeof(aside), "%s %s -> %s", check_kind_str(k),
		    health_state_str(old), health_state_str(hc->state));
		health_settle(h, c, ch, trigger, aside);
	} else
		health_settle(h, c, ch, trigger, NULL);
}

/* ---- Reports ---- */

/* "draining, 3 players" */
static void
health_report_fmt(const struct statemsg_report *r, char *buf, size_t len)
{
	if (r->load.has_players)
		snprintf(buf, len, "%s, %llu players",
		    statemsg_state_str(r->state),
		    (unsigned long long)r->load.players);
	else
		snprintf(buf, len, "%s", statemsg_state_str(r->state));
}

/* Keep r if it is newer than what we have; RC_EXISTS if not. */
static int
health_report_apply(struct health_edge *h, const struct statemsg_report *r,
    uint64_t now)
{
	if (h->has_report &&
	    (r->time < h->report.time ||
		(r->time == h->report.time && r->seq <= h->report.seq)))
		return RC_EXISTS;
	h->report = *r;
	h->has_report = true;
	h->report_at = now;
	return RC_OK;
}

int
health_report(struct health_edge *h, const struct health_conf *c,
    const struct statemsg_report *r, uint64_t now, struct health_change *ch)
{
	char trigger[96 + STATEMSG_NAME_MAX], figures[64];
	enum statemsg_state old = h->report.state;
	bool had = h->has_report && !h->suspect;
	uint64_t silent = now - h->report_at;

	memset(ch, 0, sizeof(*ch));
	if (health_report_apply(h, r, now) != RC_OK)
		return RC_EXISTS;
	ch->load = true;
	health_report_fmt(r, figures, sizeof(figures));
	if (h->suspect) {
		h->suspect = false;
		snprintf(trigger, sizeof(trigger),
		    "report: %s, back after %.1f s", figures,
		    (double)silent / MONOTIME_SEC);
		health_settle(h, c, ch, trigger, "no longer suspect");
		return RC_OK;
	}
	snprintf(trigger, sizeof(trigger), "report: %s", figures);
	/* A first report or a new claimed state: worth a line. */
	if (!had || old != r->state)
		health_settle(h, c, ch, trigger,
		    had ? "edge's claim changed" : "first report");
	else
		health_settle(h, c, ch, trigger, NULL);
	return RC_OK;
}

void
health_tick(struct health_edge *h, const struct health_conf *c, uint64_t now,
    struct health_change *ch)
{
	char trigger[64];
	uint64_t age;

	memset(ch, 0, sizeof(*ch));
	age = now > h->report_at ? now - h->report_at : 0;
	if (!h->has_report || h->suspect || age <= c->report_timeout_us) {
		health_settle(h, c, ch, "re-evaluated", NULL);
		return;
	}
	h->suspect = true;
	h->suspect_total++;
	ch->load = true;
	snprintf(trigger, sizeof(trigger),
	    "report: none for %.1f s, suspect, load unknown",
	    (double)age / MONOTIME_SEC);
	health_settle(h, c, ch, trigger, "checks alone decide");
}

/* ---- The feed entry ---- */

bool
health_entry(const struct health_edge *h, uint32_t valid_for,
    struct statemsg_edge *out)
{
	static const enum statemsg_state map[HEALTH_STATE_MAX] = {
		[HEALTH_UP] = STATEMSG_UP,
		[HEALTH_DOWN] = STATEMSG_DOWN,
		[HEALTH_DRAINING] = STATEMSG_DRAINING,
		[HEALTH_FULL] = STATEMSG_FULL,
	};

	if (h->state == HEALTH_UNKNOWN || h->state >= HEALTH_STATE_MAX)
		return false;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", h->name);
	out->state = map[h->state];
	out->valid_for = valid_for;
	if (h->has_report && !h->suspect)
		out->load = h->report.load;
	return true;
}
