/*
 * conf: loading YAML config files into structs, and reporting problems.
 *
 * Each daemon describes its config file as one libcyaml schema (a table of
 * cyaml_schema_field_t rows). conf_load() reads the file, checks it against
 * the schema and only then lets libcyaml build the struct:
 *
 *	file --read--> buffer --libyaml--> document --+--> key path -> line
 *	                                               |    index (report)
 *	                                               +--> schema check:
 *	                                               |    every problem,
 *	                                               |    with its line
 *	       buffer --libcyaml--> struct  <----------+    (only if clean)
 *
 * libcyaml alone stops at the first problem and accepts sloppy scalars
 * ("port: 53x" loads as 53, "enabled: maybe" as true). The schema check is
 * strict: unknown keys, duplicate keys, missing required keys, wrong node
 * kinds, integers that do not parse or do not fit, booleans other than
 * true/false/yes/no/on/off/1/0, unknown enum names and string lengths
 * outside the schema's limits are all errors, each logged as
 *
 *	path:line: key.path: message
 *
 * Key paths name a value by its keys and 0-based sequence indexes, like
 * the C expression that reaches it: `zones[1].file`.
 *
 * The semantic pass that follows (a pool with no edges, a timeout not
 * shorter than its interval) reports through conf_error() with the same
 * report, whose index gives each key path its line:
 *
 *	struct conf_report rep;
 *	conf_report_init(&rep, path);
 *	if (conf_load(path, &dnsd_conf_schema, (void **)&cf, &rep) == RC_OK)
 *		dnsd_conf_check(cf, &rep);
 *	n = conf_report_count(&rep);
 *	conf_report_fini(&rep);
 *	if (n > 0)
 *		fatalx("%s: %u errors", path, n);
 *
 * Messages go through the logger at LOG_ERR (stderr in the foreground).
 * Everything here runs at startup or on reload, in the loop's thread.
 */
#ifndef COMMON_CONF_H
#define COMMON_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include <cyaml/cyaml.h>

#include "common/log.h"

/* Largest config file conf_load() reads. */
#define CONF_FILE_MAX (16 * 1024 * 1024)
/* Longest key path kept; longer ones are cut (lines may then be lost). */
#define CONF_KEYPATH_MAX 256
/* Deepest nesting of mappings and sequences accepted. */
#define CONF_DEPTH_MAX 32

struct arena;
struct conf_line;

/*
 * Problems found in one config file, and the file's key path -> line
 * index. Embedded by the caller (_init/_fini); the members are private.
 */
struct conf_report {
	char *path;		 /* file name used in messages */
	unsigned errors;	 /* conf_error() calls and load errors */
	struct arena *arena;	 /* key path strings of the index */
	struct conf_line *lines; /* index, sorted by key path once used */
	size_t nlines;
	size_t cap;
	bool sorted;
};

/*
 * Start an empty report for the file `path` (copied; used as the prefix
 * of every message). Release with conf_report_fini().
 */
void conf_report_init(struct conf_report *rep, const char *path);

/* Free the report's memory. Safe on a zeroed or finished report. */
void conf_report_fini(struct conf_report *rep);

/* Errors reported so far (load and conf_error()). */
unsigned conf_report_count(const struct conf_report *rep);

/*
 * Line (1-based) of `keypath` in the loaded file, 0 if unknown. A path
 * that is not in the file (an optional key left out) falls back to its
 * closest enclosing key or sequence entry: `zones[1].file` to `zones[1]`,
 * then to `zones`.
 */
unsigned conf_report_line(struct conf_report *rep, const char *keypath);

/*
 * Report one semantic error: logs "path:line: keypath: message" (line
 * from conf_report_line(), left out when unknown; keypath NULL or "" for
 * the file as a whole) and counts it.
 */
void conf_error(struct conf_report *rep, const char *keypath, const char *fmt,
    ...) LOG_FMT(3, 4);

/* Like conf_error() at LOG_WARNING, but not counted as an error. */
void conf_warn(struct conf_report *rep, const char *keypath, const char *fmt,
    ...) LOG_FMT(3, 4);

/*
 * Optional settings as read into a `yaml` pointer member (NULL: left
 * out). conf_duration(): `*v` seconds into *ms, or `def` ms when NULL;
 * outside lo..hi seconds (NaN too) is reported at `keypath` and *ms keeps
 * `def`. conf_number(): the same for a whole number into *out, lo..hi.
 */
void conf_duration(struct conf_report *rep, const char *keypath,
    const double *v, unsigned def, double lo, double hi, unsigned *ms);
void conf_number(struct conf_report *rep, const char *keypath,
    const unsigned *v, unsigned def, unsigned lo, unsigned hi, unsigned *out);

/*
 * Load the YAML file `path` (borrowed) with the top-level `schema`, which
 * must be a CYAML_MAPPING with CYAML_FLAG_POINTER. Every problem is logged
 * and counted in `rep` (initialised by the caller), whose key path index
 * stays usable for conf_error() afterwards.
 *
 * On RC_OK *out is the new struct (never NULL, zeroed where the file left
 * optional keys out); free it with conf_free() using the same schema. On
 * failure *out is untouched. Returns RC_OK, RC_IO (cannot read the file),
 * RC_LIMIT (larger than CONF_FILE_MAX) or RC_CONFIG (syntax or schema
 * errors). Startup or reload.
 */
int conf_load(const char *path, const cyaml_schema_value_t *schema, void **out,
    struct conf_report *rep);

/* Free what conf_load() returned with `schema`. NULL data does nothing. */
void conf_free(const cyaml_schema_value_t *schema, void *data);

/*
 * A config file's whole load: conf_load() with a report of its own, then,
 * when the file parsed, check(data, rep, arg): the semantic pass, which
 * reports with conf_error() and may fill derived members. Returns the
 * struct when nothing was reported; else every problem is logged,
 * free_fn(data) runs (data may be NULL) and the result is NULL.
 * Startup or reload.
 */
typedef void (*conf_check_cb)(void *data, struct conf_report *rep, void *arg);
void *conf_load_checked(const char *path, const cyaml_schema_value_t *schema,
    conf_check_cb check, void *arg, void (*free_fn)(void *data));

/*
 * `rel` resolved against the directory of the config file `conf_path`:
 * absolute paths stay as they are, relative ones are taken from where the
 * config file is, not from the working directory. Both borrowed; the
 * caller frees the result with free(). Never NULL.
 */
char *conf_path_resolve(const char *conf_path, const char *rel);

#endif
