/*
 * keys: the one table of configuration keys. Each row names a key by its
 * dotted path, gives its type, default, bounds or allowed words, a one-line
 * description, and where the value lands in struct config. The loader
 * (conf/conf.c) validates the libconfig tree against it; the man page
 * generator iterates it. Nothing here allocates; the table is constant.
 */
#ifndef RM_CONF_KEYS_H
#define RM_CONF_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

enum conf_type {
	CT_GROUP,      /* { ... } */
	CT_GROUP_LIST, /* ( { ... }, { ... } ) */
	CT_STRING,
	CT_ENUM,        /* a string out of key->words */
	CT_STRING_LIST, /* [ "a", "b" ]; a lone string is accepted too */
	CT_BOOL,
	CT_INT,
	CT_FLOAT, /* an integer is accepted too (2 for 2.0) */
};

/* Key flags. */
#define KF_REQUIRED 0x01   /* required whenever its parent group is present */
#define KF_EMPTY_NULL 0x02 /* "" means unset: stored as NULL */
#define KF_ELEMENT 0x04    /* member of a group-list element, not of struct config */
#define KF_UNIQUE 0x08     /* element key: no two elements share the value */
#define KF_CONVERTED 0x10  /* CT_STRING whose store keeps a number, not the text */

/* One value headed for a key: from the file, or the table's default. */
struct conf_value {
	const char *file; /* where it was written; NULL for a default */
	int line;
	const char *str;    /* CT_STRING, CT_ENUM */
	double num;         /* CT_INT, CT_FLOAT */
	bool boolean;       /* CT_BOOL */
	const char **items; /* CT_STRING_LIST */
	const int *lines;   /* line of each item (0 for defaults) */
	size_t n_items;
};

struct conf_ctx; /* the loader's state: error sink, file name (conf/conf.c) */
struct conf_key;

/* Store V into the field of K inside BASE (struct config, or a group-list
 * element), validating it; problems go to conf_error. */
typedef void conf_store_fn(struct conf_ctx *ctx, const struct conf_key *k,
                           const struct conf_value *v, void *base);
/* Check one string value (or list item). Returns NULL if fine, else an
 * English reason, possibly formatted into BUF of SIZE bytes. */
typedef const char *conf_check_fn(const char *s, char *buf, size_t size);

struct conf_key {
	const char *path; /* "policy.match_subdomains" */
	enum conf_type type;
	unsigned flags;
	const char *def;             /* scalar default as text; NULL: none */
	const char *const *def_list; /* CT_STRING_LIST default, NULL-terminated */
	double min, max;             /* CT_INT, CT_FLOAT bounds (inclusive) */
	const char *const *words;    /* CT_ENUM: allowed words, NULL-terminated;
	                                a word's index is the stored value */
	const char *doc;             /* one line for the man page and -n */
	const char *type_hint;       /* added to a wrong-type error */
	size_t offset;               /* of the field in its base struct */
	size_t size;                 /* of the field (int/long, bool/enum) */
	size_t offset_n;             /* CT_STRING_LIST, CT_GROUP_LIST: count */
	size_t elem_size;            /* CT_GROUP_LIST: size of one element */
	conf_check_fn *check;        /* extra check of a string or list item */
	conf_store_fn *store;        /* replaces the generic store */
};

extern const struct conf_key conf_keys[];
extern const size_t conf_n_keys;

/* The row for PATH (no list indexes: "policy.listeners.name"), or NULL. */
const struct conf_key *conf_key_find(const char *path);
/* The key's leaf name: "match_subdomains" for "policy.match_subdomains". */
const char *conf_key_leaf(const struct conf_key *k);
/* Length of the parent part of PATH ("policy" is 6 in "policy.x"; 0 at top). */
size_t conf_path_parent_len(const char *path);
/* The user-facing name of a type ("string", "list of strings", ...). */
const char *conf_type_name(enum conf_type t);

/* Checks used by the table are in conf/validate.c (or call the owning
 * module's own check, as conf_check_reply and the filter checks do); stores
 * that convert a value are in conf/convert.c, the generic one in conf/store.c. */
conf_store_fn conf_store_socket_mode;
conf_store_fn conf_store_facility;
conf_store_fn conf_store_lookup_error;
conf_store_fn conf_store_local_domains;
conf_store_fn conf_store_allow_networks;
conf_store_fn conf_store_password_file;
conf_store_fn conf_store_redis_password_file;
conf_store_fn conf_store_account_login;
conf_store_fn conf_store_rule_name;
conf_store_fn conf_store_default_domain;
conf_check_fn conf_check_sender_value;
conf_check_fn conf_check_limit_override;
conf_check_fn conf_check_account_filter;
conf_check_fn conf_check_socket;
conf_check_fn conf_check_user;
conf_check_fn conf_check_abspath;
conf_check_fn conf_check_reply;
conf_check_fn conf_check_ldap_uri;
conf_check_fn conf_check_dn;
conf_check_fn conf_check_lookup_filter;
conf_check_fn conf_check_bulk_filter;
conf_check_fn conf_check_attribute;
conf_check_fn conf_check_existing_file;
conf_check_fn conf_check_nonempty;

#endif
