/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parser of the scst.conf grammar (SCST scstadmin):
 *
 *   file    := stmt*
 *   stmt    := WORD value* [ '{' stmt* '}' ]      ended by a newline, '{' or '}'
 *   value   := WORD | "quoted, with \" and \\"
 *
 * A '{' may stand on the line after its statement. '#' at the start of a
 * token comments out the rest of the line. Parsing is two passes: the text
 * becomes generic statements (words, a block, a line), then each block is
 * read in its context (top level, HANDLER, TARGET, ...) into the typed tree
 * of conf.h. Keywords are upper case and fixed; any other statement without
 * a block is an attribute, checked later by scst_conf_validate(), which knows
 * the handlers and drivers.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "scst/types.h"

/* Nesting is at most 4 deep in the grammar; a bound keeps hostile input off the stack. */
#define MAX_DEPTH 8
/* A configuration is small; a bound keeps a wrong path (a disk image) from eating memory. */
#define MAX_FILE_SIZE (64u << 20)

/* ---- arena: every node and string of a tree, freed at once ---- */

struct scst_conf_arena {
	struct scst_conf_arena *next;
	size_t used, size;
	_Alignas(16) char data[];
};

#define ARENA_CHUNK 16384

void *scst_conf_alloc(struct scst_conf *c, size_t size)
{
	struct scst_conf_arena *a = c->arena;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!a || a->size - a->used < size) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;

		a = malloc(sizeof(*a) + cap);
		if (!a)
			return NULL;
		a->used = 0;
		a->size = cap;
		a->next = c->arena;
		c->arena = a;
	}
	p = a->data + a->used;
	a->used += size;
	memset(p, 0, size);
	return p;
}

char *scst_conf_strdup(struct scst_conf *c, const char *s, size_t len)
{
	char *p;

	if (len == (size_t)-1)
		len = strlen(s);
	p = scst_conf_alloc(c, len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = 0;
	}
	return p;
}

struct scst_conf *scst_conf_new(const char *name)
{
	struct scst_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->file = scst_conf_strdup(c, name ? name : "-", (size_t)-1);
	if (!c->file) {
		free(c);
		return NULL;
	}
	return c;
}

void scst_conf_free(struct scst_conf *c)
{
	if (!c)
		return;
	while (c->arena) {
		struct scst_conf_arena *a = c->arena;

		c->arena = a->next;
		free(a);
	}
	free(c);
}

/* ---- lookups ---- */

const struct scst_conf_attr *scst_conf_attr_find(const struct scst_conf_attr *a, const char *key)
{
	for (; a; a = a->next)
		if (!strcmp(a->key, key))
			return a;
	return NULL;
}

const struct scst_conf_device *scst_conf_device_find(const struct scst_conf *c, const char *name)
{
	for (const struct scst_conf_handler *h = c->handlers; h; h = h->next)
		for (const struct scst_conf_device *d = h->devices; d; d = d->next)
			if (!strcmp(d->name, name))
				return d;
	return NULL;
}

const struct scst_conf_driver *scst_conf_driver_find(const struct scst_conf *c, const char *name)
{
	for (const struct scst_conf_driver *d = c->drivers; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

const struct scst_conf_target *scst_conf_target_find(const struct scst_conf_driver *d,
						     const char *name)
{
	for (const struct scst_conf_target *t = d->targets; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* ---- pass 1: text to generic statements ---- */

enum tok_type { T_WORD, T_LBRACE, T_RBRACE, T_NL, T_EOF };

struct tok {
	enum tok_type type;
	unsigned line;
	char *text; /* T_WORD, in the arena */
	bool quoted;
};

struct stmt {
	unsigned line;
	unsigned nwords;
	char **words;
	bool *quoted;
	bool has_block;
	unsigned block_line;
	struct stmt *children;
	struct stmt *next;
};

struct parser {
	struct scst_conf *c;
	const char *p;
	unsigned line;
	char *err;
	size_t errlen;
	int ret; /* first error */
	struct tok back; /* one token of push-back */
	bool has_back;
};

static void perr(struct parser *ps, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct parser *ps, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->ret)
		return;
	ps->ret = -EINVAL;
	if (!ps->err || !ps->errlen)
		return;
	n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->c->file, line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void nomem(struct parser *ps)
{
	if (ps->ret)
		return;
	ps->ret = -ENOMEM;
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "%s: out of memory", ps->c->file);
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

static bool ends_word(char ch)
{
	return !ch || ch == '\n' || is_space(ch) || ch == '{' || ch == '}';
}

/* A quoted value: \" and \\ are escapes; any other backslash stays as it is (paths). */
static bool lex_quoted(struct parser *ps, struct tok *t)
{
	const char *s = ps->p + 1;
	size_t n = 0;
	char *out;

	for (const char *q = s; *q != '"'; q++) {
		if (!*q || *q == '\n') {
			perr(ps, t->line, "unterminated quote");
			return false;
		}
		if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
			q++;
		n++;
	}
	out = scst_conf_alloc(ps->c, n + 1);
	if (!out) {
		nomem(ps);
		return false;
	}
	n = 0;
	for (; *s != '"'; s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		out[n++] = *s;
	}
	ps->p = s + 1;
	t->text = out;
	t->quoted = true;
	return true;
}

static bool lex(struct parser *ps, struct tok *t)
{
	const char *s;

	if (ps->has_back) {
		*t = ps->back;
		ps->has_back = false;
		return true;
	}
	memset(t, 0, sizeof(*t));
	for (;;) {
		while (is_space(*ps->p))
			ps->p++;
		if (*ps->p != '#')
			break;
		while (*ps->p && *ps->p != '\n')
			ps->p++;
	}
	t->line = ps->line;
	switch (*ps->p) {
	case 0:
		t->type = T_EOF;
		return true;
	case '\n':
		ps->p++;
		ps->line++;
		t->type = T_NL;
		return true;
	case '{':
		ps->p++;
		t->type = T_LBRACE;
		return true;
	case '}':
		ps->p++;
		t->type = T_RBRACE;
		return true;
	case '"':
		t->type = T_WORD;
		return lex_quoted(ps, t);
	}
	t->type = T_WORD;
	for (s = ps->p; !ends_word(*s); s++)
		;
	t->text = scst_conf_strdup(ps->c, ps->p, (size_t)(s - ps->p));
	if (!t->text) {
		nomem(ps);
		return false;
	}
	ps->p = s;
	return true;
}

static void unlex(struct parser *ps, const struct tok *t)
{
	ps->back = *t;
	ps->has_back = true;
}

static bool stmt_add_word(struct parser *ps, struct stmt *st, unsigned *cap, const struct tok *t)
{
	if (st->nwords == *cap) {
		unsigned ncap = *cap ? *cap * 2 : 4;
		char **w = scst_conf_alloc(ps->c, ncap * sizeof(*w));
		bool *q = scst_conf_alloc(ps->c, ncap * sizeof(*q));

		if (!w || !q) {
			nomem(ps);
			return false;
		}
		if (st->nwords) {
			memcpy(w, st->words, st->nwords * sizeof(*w));
			memcpy(q, st->quoted, st->nwords * sizeof(*q));
		}
		st->words = w;
		st->quoted = q;
		*cap = ncap;
	}
	st->words[st->nwords] = t->text;
	st->quoted[st->nwords] = t->quoted;
	st->nwords++;
	return true;
}

static struct stmt *parse_body(struct parser *ps, unsigned depth, unsigned open_line);

/* One statement from its first word to its end (newline, block, or a '}' that follows). */
static struct stmt *parse_stmt(struct parser *ps, const struct tok *first, unsigned depth)
{
	struct stmt *st = scst_conf_alloc(ps->c, sizeof(*st));
	unsigned cap = 0;
	struct tok t;

	if (!st) {
		nomem(ps);
		return NULL;
	}
	st->line = first->line;
	if (!stmt_add_word(ps, st, &cap, first))
		return NULL;
	for (;;) {
		if (!lex(ps, &t))
			return NULL;
		if (t.type == T_WORD) {
			if (!stmt_add_word(ps, st, &cap, &t))
				return NULL;
			continue;
		}
		if (t.type == T_NL) {
			/* The block may open on a following line. */
			do {
				if (!lex(ps, &t))
					return NULL;
			} while (t.type == T_NL);
			if (t.type != T_LBRACE) {
				unlex(ps, &t);
				return st;
			}
		}
		if (t.type == T_LBRACE) {
			if (depth + 1 >= MAX_DEPTH) {
				perr(ps, t.line, "blocks nested too deeply");
				return NULL;
			}
			st->has_block = true;
			st->block_line = t.line;
			st->children = parse_body(ps, depth + 1, t.line);
			return ps->ret ? NULL : st;
		}
		/* '}' or end of text: the caller's block handles it. */
		unlex(ps, &t);
		return st;
	}
}

static struct stmt *parse_body(struct parser *ps, unsigned depth, unsigned open_line)
{
	struct stmt *head = NULL, **tail = &head;
	struct tok t;

	for (;;) {
		if (!lex(ps, &t))
			return NULL;
		switch (t.type) {
		case T_NL:
			continue;
		case T_EOF:
			if (depth)
				perr(ps, open_line, "unbalanced braces: '{' is never closed");
			return head;
		case T_RBRACE:
			if (!depth)
				perr(ps, t.line, "unbalanced braces: '}' without '{'");
			return head;
		case T_LBRACE:
			perr(ps, t.line, "'{' without a keyword before it");
			return NULL;
		case T_WORD:
			*tail = parse_stmt(ps, &t, depth);
			if (!*tail)
				return NULL;
			tail = &(*tail)->next;
			break;
		}
	}
}

/* ---- pass 2: statements to the typed tree ---- */

enum ctx {
	CTX_TOP,
	CTX_HANDLER,
	CTX_DEVICE,
	CTX_DRIVER,
	CTX_TARGET,
	CTX_GROUP,
	CTX_LUN,
	CTX_DEV_GROUP,
	CTX_TGT_GROUP,
	CTX_TGT_GROUP_TARGET,
};

static const char *const ctx_where[] = {
	[CTX_TOP] = "at top level",
	[CTX_HANDLER] = "in HANDLER block",
	[CTX_DEVICE] = "in DEVICE block",
	[CTX_DRIVER] = "in TARGET_DRIVER block",
	[CTX_TARGET] = "in TARGET block",
	[CTX_GROUP] = "in GROUP block",
	[CTX_LUN] = "in LUN block",
	[CTX_DEV_GROUP] = "in DEVICE_GROUP block",
	[CTX_TGT_GROUP] = "in TARGET_GROUP block",
	[CTX_TGT_GROUP_TARGET] = "in TARGET block",
};

static const char *const keywords[] = {
	"HANDLER", "DEVICE", "TARGET_DRIVER", "TARGET", "LUN",
	"GROUP",   "INITIATOR", "DEVICE_GROUP", "TARGET_GROUP",
};

/* Attributes that may be given more than once (one CHAP account per line). */
static const char *const multi_attrs[] = { "IncomingUser" };

static bool is_keyword(const struct stmt *st)
{
	if (st->quoted[0])
		return false;
	for (unsigned i = 0; i < SCST_ARRAY_SIZE(keywords); i++)
		if (!strcmp(st->words[0], keywords[i]))
			return true;
	return false;
}

static bool kw(const struct stmt *st, const char *word)
{
	return !st->quoted[0] && !strcmp(st->words[0], word);
}

static void bad_keyword(struct parser *ps, const struct stmt *st, enum ctx ctx)
{
	perr(ps, st->line, "unknown keyword '%s' %s", st->words[0], ctx_where[ctx]);
}

static struct scst_conf_pos pos_of(struct parser *ps, const struct stmt *st)
{
	return (struct scst_conf_pos){ .file = ps->c->file, .line = st->line };
}

/* KEYWORD name [block]: the name, or NULL after an error. */
static const char *stmt_name(struct parser *ps, const struct stmt *st, bool block_ok)
{
	if (st->nwords < 2) {
		perr(ps, st->line, "missing name after %s", st->words[0]);
		return NULL;
	}
	if (st->nwords > 2) {
		perr(ps, st->line, "unexpected '%s' after %s %s", st->words[2], st->words[0],
		     st->words[1]);
		return NULL;
	}
	if (!*st->words[1]) {
		perr(ps, st->line, "empty name after %s", st->words[0]);
		return NULL;
	}
	if (st->has_block && !block_ok) {
		perr(ps, st->line, "%s takes no block", st->words[0]);
		return NULL;
	}
	return st->words[1];
}

/* Join words[1..] with one space: "IncomingUser user secret" and quoted forms alike. */
static char *join_values(struct parser *ps, const struct stmt *st)
{
	size_t len = 0, off = 0;
	char *v;

	for (unsigned i = 1; i < st->nwords; i++)
		len += strlen(st->words[i]) + 1;
	v = scst_conf_alloc(ps->c, len + 1);
	if (!v) {
		nomem(ps);
		return NULL;
	}
	for (unsigned i = 1; i < st->nwords; i++) {
		size_t n = strlen(st->words[i]);

		if (i > 1)
			v[off++] = ' ';
		memcpy(v + off, st->words[i], n);
		off += n;
	}
	v[off] = 0;
	return v;
}

static bool add_attr(struct parser *ps, struct scst_conf_attr **list, const struct stmt *st,
		     enum ctx ctx)
{
	const struct scst_conf_attr *old;
	struct scst_conf_attr *a, **tail;
	bool multi = false;

	if (st->has_block) {
		bad_keyword(ps, st, ctx);
		return false;
	}
	if (st->nwords < 2) {
		perr(ps, st->line, "missing value for '%s'", st->words[0]);
		return false;
	}
	for (unsigned i = 0; i < SCST_ARRAY_SIZE(multi_attrs); i++)
		if (!strcmp(st->words[0], multi_attrs[i]))
			multi = true;
	old = scst_conf_attr_find(*list, st->words[0]);
	if (old && !multi) {
		perr(ps, st->line, "duplicate attribute '%s' (first at line %u)", st->words[0],
		     old->pos.line);
		return false;
	}
	a = scst_conf_alloc(ps->c, sizeof(*a));
	if (!a) {
		nomem(ps);
		return false;
	}
	a->pos = pos_of(ps, st);
	a->key = st->words[0];
	a->value = join_values(ps, st);
	if (!a->value)
		return false;
	for (tail = list; *tail; tail = &(*tail)->next)
		;
	*tail = a;
	return true;
}

/* Children of a block that takes attributes only (DEVICE, LUN, a TARGET_GROUP's TARGET). */
static bool attrs_only(struct parser *ps, struct scst_conf_attr **list, const struct stmt *body,
		       enum ctx ctx)
{
	for (const struct stmt *st = body; st; st = st->next) {
		if (is_keyword(st)) {
			bad_keyword(ps, st, ctx);
			return false;
		}
		if (!add_attr(ps, list, st, ctx))
			return false;
	}
	return true;
}

/* Node allocation with the common head (pos, name) filled in. */
#define NEW_NODE(ps, st, type, nm)                                   \
	({                                                           \
		type *n_ = scst_conf_alloc((ps)->c, sizeof(type));   \
		if (n_) {                                            \
			n_->pos = pos_of((ps), (st));                \
			n_->name = (char *)(nm);                     \
		} else {                                             \
			nomem(ps);                                   \
		}                                                    \
		n_;                                                  \
	})

static bool parse_lun(struct parser *ps, struct scst_conf_lun **list, const struct stmt *st)
{
	const char *num;
	struct scst_conf_lun *l;
	uint64_t v = 0;

	if (st->nwords < 2) {
		perr(ps, st->line, "missing LUN number");
		return false;
	}
	num = st->words[1];
	/* Decimal only: "010" is ten, as SCST's sysfs reads it. */
	for (const char *p = num; *p; p++) {
		if (*p < '0' || *p > '9' || v >= SCST_MAX_LUN) {
			v = SCST_MAX_LUN;
			break;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (!*num || v >= SCST_MAX_LUN) {
		perr(ps, st->line, "LUN number '%s' is not in 0..%u", num, SCST_MAX_LUN - 1);
		return false;
	}
	if (st->nwords < 3) {
		perr(ps, st->line, "missing device name after LUN %s", num);
		return false;
	}
	if (st->nwords > 3) {
		perr(ps, st->line, "unexpected '%s' after LUN %s %s", st->words[3], num,
		     st->words[2]);
		return false;
	}
	for (const struct scst_conf_lun *o = *list; o; o = o->next) {
		if (o->lun == v) {
			perr(ps, st->line, "duplicate LUN %" PRIu64 " (first at line %u)", v,
			     o->pos.line);
			return false;
		}
	}
	l = scst_conf_alloc(ps->c, sizeof(*l));
	if (!l) {
		nomem(ps);
		return false;
	}
	l->pos = pos_of(ps, st);
	l->lun = v;
	l->device = st->words[2];
	if (st->has_block && !attrs_only(ps, &l->attrs, st->children, CTX_LUN))
		return false;
	SCST_CONF_APPEND(*list, l);
	return true;
}

static bool parse_group(struct parser *ps, struct scst_conf_target *t, const struct stmt *st)
{
	const char *name = stmt_name(ps, st, true);
	struct scst_conf_group *g;

	if (!name)
		return false;
	for (const struct scst_conf_group *o = t->groups; o; o = o->next) {
		if (!strcmp(o->name, name)) {
			perr(ps, st->line, "duplicate group '%s' (first at line %u)", name,
			     o->pos.line);
			return false;
		}
	}
	g = NEW_NODE(ps, st, struct scst_conf_group, name);
	if (!g)
		return false;
	for (const struct stmt *s = st->children; s; s = s->next) {
		if (kw(s, "LUN")) {
			if (!parse_lun(ps, &g->luns, s))
				return false;
		} else if (kw(s, "INITIATOR")) {
			const char *pat = stmt_name(ps, s, false);
			struct scst_conf_initiator *i;

			if (!pat)
				return false;
			for (const struct scst_conf_initiator *o = g->initiators; o; o = o->next) {
				if (!strcmp(o->pattern, pat)) {
					perr(ps, s->line,
					     "duplicate initiator '%s' (first at line %u)", pat,
					     o->pos.line);
					return false;
				}
			}
			i = scst_conf_alloc(ps->c, sizeof(*i));
			if (!i) {
				nomem(ps);
				return false;
			}
			i->pos = pos_of(ps, s);
			i->pattern = (char *)pat;
			SCST_CONF_APPEND(g->initiators, i);
		} else if (is_keyword(s)) {
			bad_keyword(ps, s, CTX_GROUP);
			return false;
		} else if (!add_attr(ps, &g->attrs, s, CTX_GROUP)) {
			return false;
		}
	}
	SCST_CONF_APPEND(t->groups, g);
	return true;
}

/* Target names are unique over all drivers: the core keys targets by name alone. */
static const struct scst_conf_target *target_anywhere(const struct scst_conf *c, const char *name)
{
	for (const struct scst_conf_driver *d = c->drivers; d; d = d->next) {
		const struct scst_conf_target *t = scst_conf_target_find(d, name);

		if (t)
			return t;
	}
	return NULL;
}

static bool parse_target(struct parser *ps, struct scst_conf_driver *d, const struct stmt *st)
{
	const char *name = stmt_name(ps, st, true);
	const struct scst_conf_target *old;
	struct scst_conf_target *t;

	if (!name)
		return false;
	old = target_anywhere(ps->c, name);
	if (!old)
		old = scst_conf_target_find(d, name); /* d is not linked in yet */
	if (old) {
		perr(ps, st->line, "duplicate target '%s' (first at line %u)", name, old->pos.line);
		return false;
	}
	t = NEW_NODE(ps, st, struct scst_conf_target, name);
	if (!t)
		return false;
	for (const struct stmt *s = st->children; s; s = s->next) {
		bool ok;

		if (kw(s, "LUN"))
			ok = parse_lun(ps, &t->luns, s);
		else if (kw(s, "GROUP"))
			ok = parse_group(ps, t, s);
		else if (is_keyword(s))
			ok = (bad_keyword(ps, s, CTX_TARGET), false);
		else
			ok = add_attr(ps, &t->attrs, s, CTX_TARGET);
		if (!ok)
			return false;
	}
	SCST_CONF_APPEND(d->targets, t);
	return true;
}

static bool parse_driver(struct parser *ps, const struct stmt *st)
{
	const char *name = stmt_name(ps, st, true);
	const struct scst_conf_driver *old;
	struct scst_conf_driver *d;

	if (!name)
		return false;
	old = scst_conf_driver_find(ps->c, name);
	if (old) {
		perr(ps, st->line, "duplicate TARGET_DRIVER '%s' (first at line %u)", name,
		     old->pos.line);
		return false;
	}
	d = NEW_NODE(ps, st, struct scst_conf_driver, name);
	if (!d)
		return false;
	for (const struct stmt *s = st->children; s; s = s->next) {
		bool ok;

		if (kw(s, "TARGET"))
			ok = parse_target(ps, d, s);
		else if (is_keyword(s))
			ok = (bad_keyword(ps, s, CTX_DRIVER), false);
		else
			ok = add_attr(ps, &d->attrs, s, CTX_DRIVER);
		if (!ok)
			return false;
	}
	SCST_CONF_APPEND(ps->c->drivers, d);
	return true;
}

static bool parse_handler(struct parser *ps, const struct stmt *st)
{
	const char *name = stmt_name(ps, st, true);
	struct scst_conf_handler *h;

	if (!name)
		return false;
	for (const struct scst_conf_handler *o = ps->c->handlers; o; o = o->next) {
		if (!strcmp(o->name, name)) {
			perr(ps, st->line, "duplicate HANDLER '%s' (first at line %u)", name,
			     o->pos.line);
			return false;
		}
	}
	h = NEW_NODE(ps, st, struct scst_conf_handler, name);
	if (!h)
		return false;
	for (const struct stmt *s = st->children; s; s = s->next) {
		const struct scst_conf_device *old;
		struct scst_conf_device *dev;
		const char *dname;

		if (!kw(s, "DEVICE")) {
			if (is_keyword(s)) {
				bad_keyword(ps, s, CTX_HANDLER);
				return false;
			}
			if (!add_attr(ps, &h->attrs, s, CTX_HANDLER))
				return false;
			continue;
		}
		dname = stmt_name(ps, s, true);
		if (!dname)
			return false;
		old = scst_conf_device_find(ps->c, dname);
		for (const struct scst_conf_device *o = h->devices; o && !old; o = o->next)
			if (!strcmp(o->name, dname))
				old = o;
		if (old) {
			perr(ps, s->line, "duplicate device '%s' (first at line %u)", dname,
			     old->pos.line);
			return false;
		}
		dev = NEW_NODE(ps, s, struct scst_conf_device, dname);
		if (!dev)
			return false;
		if (s->has_block && !attrs_only(ps, &dev->attrs, s->children, CTX_DEVICE))
			return false;
		SCST_CONF_APPEND(h->devices, dev);
	}
	SCST_CONF_APPEND(ps->c->handlers, h);
	return true;
}

static bool parse_name_list(struct parser *ps, struct scst_conf_name **list, const struct stmt *st,
			    bool block_ok, const char *what)
{
	const char *name = stmt_name(ps, st, block_ok);
	struct scst_conf_name *n;

	if (!name)
		return false;
	for (const struct scst_conf_name *o = *list; o; o = o->next) {
		if (!strcmp(o->name, name)) {
			perr(ps, st->line, "duplicate %s '%s' (first at line %u)", what, name,
			     o->pos.line);
			return false;
		}
	}
	n = NEW_NODE(ps, st, struct scst_conf_name, name);
	if (!n)
		return false;
	if (st->has_block && !attrs_only(ps, &n->attrs, st->children, CTX_TGT_GROUP_TARGET))
		return false;
	SCST_CONF_APPEND(*list, n);
	return true;
}

static bool parse_tgt_group(struct parser *ps, struct scst_conf_dev_group *dg,
			    const struct stmt *st)
{
	const char *name = stmt_name(ps, st, true);
	struct scst_conf_tgt_group *tg;

	if (!name)
		return false;
	for (const struct scst_conf_tgt_group *o = dg->tgt_groups; o; o = o->next) {
		if (!strcmp(o->name, name)) {
			perr(ps, st->line, "duplicate TARGET_GROUP '%s' (first at line %u)", name,
			     o->pos.line);
			return false;
		}
	}
	tg = NEW_NODE(ps, st, struct scst_conf_tgt_group, name);
	if (!tg)
		return false;
	for (const struct stmt *s = st->children; s; s = s->next) {
		bool ok;

		if (kw(s, "TARGET"))
			ok = parse_name_list(ps, &tg->targets, s, true, "target");
		else if (is_keyword(s))
			ok = (bad_keyword(ps, s, CTX_TGT_GROUP), false);
		else
			ok = add_attr(ps, &tg->attrs, s, CTX_TGT_GROUP);
		if (!ok)
			return false;
	}
	SCST_CONF_APPEND(dg->tgt_groups, tg);
	return true;
}

static bool parse_dev_group(struct parser *ps, const struct stmt *st)
{
	const char *name = stmt_name(ps, st, true);
	struct scst_conf_dev_group *dg;

	if (!name)
		return false;
	for (const struct scst_conf_dev_group *o = ps->c->dev_groups; o; o = o->next) {
		if (!strcmp(o->name, name)) {
			perr(ps, st->line, "duplicate DEVICE_GROUP '%s' (first at line %u)", name,
			     o->pos.line);
			return false;
		}
	}
	dg = NEW_NODE(ps, st, struct scst_conf_dev_group, name);
	if (!dg)
		return false;
	for (const struct stmt *s = st->children; s; s = s->next) {
		bool ok;

		if (kw(s, "DEVICE"))
			ok = parse_name_list(ps, &dg->devices, s, false, "device");
		else if (kw(s, "TARGET_GROUP"))
			ok = parse_tgt_group(ps, dg, s);
		else if (is_keyword(s))
			ok = (bad_keyword(ps, s, CTX_DEV_GROUP), false);
		else
			ok = add_attr(ps, &dg->attrs, s, CTX_DEV_GROUP);
		if (!ok)
			return false;
	}
	SCST_CONF_APPEND(ps->c->dev_groups, dg);
	return true;
}

static void build_top(struct parser *ps, const struct stmt *body)
{
	for (const struct stmt *st = body; st && !ps->ret; st = st->next) {
		if (kw(st, "HANDLER"))
			parse_handler(ps, st);
		else if (kw(st, "TARGET_DRIVER"))
			parse_driver(ps, st);
		else if (kw(st, "DEVICE_GROUP"))
			parse_dev_group(ps, st);
		else if (is_keyword(st))
			bad_keyword(ps, st, CTX_TOP);
		else
			add_attr(ps, &ps->c->attrs, st, CTX_TOP);
	}
}

int scst_conf_parse_string(const char *text, const char *name, struct scst_conf **out, char *err,
			   size_t errlen)
{
	struct parser ps = { .line = 1, .p = text, .err = err, .errlen = errlen };
	struct stmt *body;

	*out = NULL;
	ps.c = scst_conf_new(name);
	if (!ps.c) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name ? name : "-");
		return -ENOMEM;
	}
	body = parse_body(&ps, 0, 0);
	if (!ps.ret)
		build_top(&ps, body);
	if (ps.ret) {
		scst_conf_free(ps.c);
		return ps.ret;
	}
	/* The generic statements stay in the arena; they are small and die with the tree. */
	*out = ps.c;
	return 0;
}

int scst_conf_parse_file(const char *path, struct scst_conf **out, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		ret = -EINVAL;
		goto fail;
	}
	for (size_t cap = 0;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb;

			if (cap >= MAX_FILE_SIZE) {
				ret = -EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto fail;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	if (memchr(buf, 0, len)) {
		free(buf);
		if (err && errlen)
			snprintf(err, errlen, "%s: not a text file (contains a NUL byte)", path);
		return -EINVAL;
	}
	ret = scst_conf_parse_string(buf, path, out, err, errlen);
	free(buf);
	return ret;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path,
			 ret == -EINVAL ? "not a regular file" : strerror(-ret));
	return ret;
}
