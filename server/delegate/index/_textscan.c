/*
 * Native fast path of the index's tokeniser and hashing embedder.
 *
 * Indexing tokenises every chunk of a workspace (Django: 37k chunks, 31 MB, 3.3M words),
 * and in Python that cost more CPU than anything but tree-sitter's parse.  This module
 * does the same work in C; only stemming stays in Python (PyStemmer, once per distinct
 * token).  The rules are those of delegate/index/tokens.py, which remains the reference:
 * the pure-Python path in vocabulary.py and embedders.py gives identical results and is
 * used when this extension is not built, and tests/index/test_textscan.py holds the two
 * to each other.
 *
 * WordTable(dropped)
 *     Distinct words (runs of [A-Za-z0-9_]) and tokens seen so far; `dropped` are the
 *     sub-words that are never tokens (tokens._DROPPED).
 *
 * WordTable.tokenize(texts, stem) -> (terms, tokens, offsets, new_tokens)
 *     Cuts each text (a str) into words in its UTF-8 form (tokens.word_runs), and splits
 *     each word seen for the first time into tokens (tokens.run_tokens), numbering new
 *     tokens in first-seen order.  stem(new_tokens) is called once with the new tokens (a
 *     list of str) and returns each one's full-text form followed by a space, or ""
 *     (tokens.fts_terms).  Returns, per text, its tokens' forms joined (without the final
 *     space); for all texts end to end, their token ids as int64 bytes with each text's
 *     start (n + 1 int64s); and the new tokens' names, whose ids follow on from the
 *     earlier ones.  A call that fails leaves the table as it was.  Calls must not overlap
 *     (stem() runs Python code, so another thread could come in): an overlapping call, or
 *     clear() during one, raises RuntimeError; vocabulary.py serialises its calls.
 *
 * hashed_counts(tokens, offsets, signed, weights, dim) -> bytes
 *     The hashing embedder's unnormalised rows as float32 bytes (n x dim): for each text,
 *     each distinct token id t with count c adds sign(signed[t]) * weights[c] to bucket
 *     abs(signed[t]) - 1.  Sums run in double, per bucket in ascending token-id order, so
 *     the result equals numpy's bincount in embedders.py bit for bit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned char IS_WORD[256];

/* ---- growable arrays ---------------------------------------------------------------- */

/* Makes room for `need` items of `item` bytes in *data (capacity *cap, doubling). */
static int grow(void **data, Py_ssize_t *cap, Py_ssize_t need, size_t item) {
    if (need <= *cap) return 0;
    Py_ssize_t new_cap = *cap ? *cap : 1024;
    while (new_cap < need) new_cap *= 2;
    void *grown = PyMem_Realloc(*data, (size_t)new_cap * item);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *data = grown;
    *cap = new_cap;
    return 0;
}

typedef struct {
    char *data;
    Py_ssize_t len, cap;
} ByteBuf;

static int bytebuf_append(ByteBuf *b, const char *src, Py_ssize_t n) {
    if (grow((void **)&b->data, &b->cap, b->len + n, 1) < 0) return -1;
    memcpy(b->data + b->len, src, (size_t)n);
    b->len += n;
    return 0;
}

typedef struct {
    int64_t *data;
    Py_ssize_t len, cap;
} IntBuf;

static int intbuf_reserve(IntBuf *b, Py_ssize_t extra) {
    return grow((void **)&b->data, &b->cap, b->len + extra, sizeof(int64_t));
}

static int intbuf_push(IntBuf *b, int64_t v) {
    if (b->len == b->cap && intbuf_reserve(b, 1) < 0) return -1;
    b->data[b->len++] = v;
    return 0;
}

/* ---- string tables -------------------------------------------------------------------- */

/* A set of byte strings numbered 0, 1, 2, ... in the order they were added (open
 * addressing over their hashes; the strings live end to end in one buffer). */
typedef struct {
    uint64_t hash;
    Py_ssize_t off, len;
} Key;

typedef struct {
    Key *keys;
    Py_ssize_t n, cap;
    int32_t *slots; /* key index, or -1 */
    size_t n_slots; /* a power of two, at least twice n */
    ByteBuf bytes;
} StrTable;

/* A multiply-xorshift hash, eight bytes at a time: most words are a few bytes long, and
 * this is on the path of every word of every text. */
static inline uint64_t hash_bytes(const char *p, Py_ssize_t n) {
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t v = 0;
        for (Py_ssize_t i = 0; i < n; i++) v |= (uint64_t)(unsigned char)p[i] << (8 * i);
        h = (h ^ v) * 0xBF58476D1CE4E5B9ULL;
    }
    return h ^ (h >> 29);
}

static inline int same_bytes(const char *a, const char *b, Py_ssize_t n) {
    while (n >= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y) return 0;
        a += 8;
        b += 8;
        n -= 8;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (a[i] != b[i]) return 0;
    }
    return 1;
}

static void strtable_free(StrTable *t) {
    PyMem_Free(t->keys);
    PyMem_Free(t->slots);
    PyMem_Free(t->bytes.data);
    memset(t, 0, sizeof *t);
}

static int strtable_rehash(StrTable *t, size_t n_slots) {
    int32_t *slots = PyMem_Malloc(n_slots * sizeof(int32_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(slots, 0xff, n_slots * sizeof(int32_t));
    size_t mask = n_slots - 1;
    for (Py_ssize_t k = 0; k < t->n; k++) {
        size_t i = (size_t)t->keys[k].hash & mask;
        while (slots[i] >= 0) i = (i + 1) & mask;
        slots[i] = (int32_t)k;
    }
    PyMem_Free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    return 0;
}

static int strtable_init(StrTable *t) {
    strtable_free(t);
    return strtable_rehash(t, 1024);
}

/* The index of p[0:n], adding it if new (*added says which); -1 on error. */
static Py_ssize_t strtable_find_or_add(StrTable *t, const char *p, Py_ssize_t n, int *added) {
    uint64_t h = hash_bytes(p, n);
    size_t mask = t->n_slots - 1;
    size_t i = (size_t)h & mask;
    for (;;) {
        int32_t k = t->slots[i];
        if (k < 0) break;
        const Key *key = &t->keys[k];
        if (key->hash == h && key->len == n && same_bytes(t->bytes.data + key->off, p, n)) {
            *added = 0;
            return k;
        }
        i = (i + 1) & mask;
    }
    if (t->n >= INT32_MAX / 4) {
        PyErr_SetString(PyExc_OverflowError, "too many distinct strings in one WordTable");
        return -1;
    }
    if (grow((void **)&t->keys, &t->cap, t->n + 1, sizeof(Key)) < 0) return -1;
    Py_ssize_t off = t->bytes.len;
    if (bytebuf_append(&t->bytes, p, n) < 0) return -1;
    Py_ssize_t k = t->n++;
    t->keys[k] = (Key){h, off, n};
    t->slots[i] = (int32_t)k;
    if ((size_t)t->n * 2 > t->n_slots && strtable_rehash(t, t->n_slots * 2) < 0) {
        t->n--; /* the old slots are still in place: undo the insertion */
        t->slots[i] = -1;
        t->bytes.len = off;
        return -1;
    }
    *added = 1;
    return k;
}

static int strtable_contains(const StrTable *t, const char *p, Py_ssize_t n) {
    uint64_t h = hash_bytes(p, n);
    size_t mask = t->n_slots - 1;
    for (size_t i = (size_t)h & mask; t->slots[i] >= 0; i = (i + 1) & mask) {
        const Key *key = &t->keys[t->slots[i]];
        if (key->hash == h && key->len == n && same_bytes(t->bytes.data + key->off, p, n)) {
            return 1;
        }
    }
    return 0;
}

/* Forgets the strings from index `keep` on. */
static int strtable_truncate(StrTable *t, Py_ssize_t keep) {
    if (keep >= t->n) return 0;
    t->bytes.len = t->keys[keep].off;
    t->n = keep;
    return strtable_rehash(t, t->n_slots);
}

/* ---- the word table ------------------------------------------------------------------ */

typedef struct {
    Py_ssize_t off, len;
} Span;

typedef struct {
    PyObject_HEAD
    StrTable words;        /* runs of [A-Za-z0-9_], as cut from the texts */
    Span *word_terms;      /* per word: its terms in term_bytes */
    Span *word_tokens;     /* per word: its token ids in token_ids */
    Py_ssize_t word_cap;   /* capacity of word_terms and word_tokens */
    ByteBuf term_bytes;    /* words' terms, each term followed by a space */
    IntBuf token_ids;      /* words' token ids */
    StrTable tokens;       /* distinct tokens; their index is their id */
    IntBuf token_term_off, token_term_len; /* per token: its terms in token_term_bytes */
    ByteBuf token_term_bytes;
    StrTable dropped;      /* sub-words that are never tokens (stop words, single characters) */
    int busy;              /* a tokenize() call is running (stem() may let another thread in) */
} WordTable;

static int refuse_if_busy(const WordTable *t) {
    if (!t->busy) return 0;
    PyErr_SetString(PyExc_RuntimeError,
                    "WordTable is in use by another tokenize() call (calls must not overlap)");
    return -1;
}

static int word_is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int word_is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int word_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int table_storage_init(WordTable *t) {
    if (strtable_init(&t->words) < 0 || strtable_init(&t->tokens) < 0) return -1;
    PyMem_Free(t->word_terms);
    PyMem_Free(t->word_tokens);
    t->word_terms = t->word_tokens = NULL;
    t->word_cap = 0;
    t->term_bytes.len = 0;
    t->token_ids.len = 0;
    t->token_term_off.len = t->token_term_len.len = 0;
    t->token_term_bytes.len = 0;
    return 0;
}

static void table_free(WordTable *t) {
    strtable_free(&t->words);
    strtable_free(&t->tokens);
    strtable_free(&t->dropped);
    PyMem_Free(t->word_terms);
    PyMem_Free(t->word_tokens);
    PyMem_Free(t->term_bytes.data);
    PyMem_Free(t->token_ids.data);
    PyMem_Free(t->token_term_off.data);
    PyMem_Free(t->token_term_len.data);
    PyMem_Free(t->token_term_bytes.data);
    t->word_terms = t->word_tokens = NULL;
    t->word_cap = 0;
    memset(&t->term_bytes, 0, sizeof t->term_bytes);
    memset(&t->token_ids, 0, sizeof t->token_ids);
    memset(&t->token_term_off, 0, sizeof t->token_term_off);
    memset(&t->token_term_len, 0, sizeof t->token_term_len);
    memset(&t->token_term_bytes, 0, sizeof t->token_term_bytes);
}

static int WordTable_init(WordTable *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"dropped", NULL};
    PyObject *dropped;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:WordTable", kwlist, &dropped)) return -1;
    if (refuse_if_busy(self) < 0) return -1;
    table_free(self);
    if (strtable_init(&self->dropped) < 0 || table_storage_init(self) < 0) return -1;
    PyObject *iter = PyObject_GetIter(dropped);
    if (iter == NULL) return -1;
    PyObject *item;
    while ((item = PyIter_Next(iter)) != NULL) {
        Py_ssize_t n;
        const char *p = PyUnicode_Check(item) ? PyUnicode_AsUTF8AndSize(item, &n) : NULL;
        if (p == NULL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "dropped words must be str");
            Py_DECREF(item);
            Py_DECREF(iter);
            return -1;
        }
        int added;
        Py_ssize_t k = strtable_find_or_add(&self->dropped, p, n, &added);
        Py_DECREF(item);
        if (k < 0) {
            Py_DECREF(iter);
            return -1;
        }
    }
    Py_DECREF(iter);
    return PyErr_Occurred() ? -1 : 0;
}

static void WordTable_dealloc(WordTable *self) {
    table_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static Py_ssize_t WordTable_len(WordTable *self) { return self->words.n; }

static PyObject *WordTable_clear(WordTable *self, PyObject *Py_UNUSED(ignored)) {
    if (refuse_if_busy(self) < 0 || table_storage_init(self) < 0) return NULL;
    Py_RETURN_NONE;
}

static int words_reserve(WordTable *t) {
    Py_ssize_t terms_cap = t->word_cap, tokens_cap = t->word_cap;
    if (grow((void **)&t->word_terms, &terms_cap, t->words.n, sizeof(Span)) < 0 ||
        grow((void **)&t->word_tokens, &tokens_cap, t->words.n, sizeof(Span)) < 0) {
        return -1;
    }
    t->word_cap = terms_cap; /* both grew alike */
    return 0;
}

/* One token (already lower-cased): its id goes to t->token_ids. */
static int add_token(WordTable *t, const char *p, Py_ssize_t n) {
    int added;
    Py_ssize_t id = strtable_find_or_add(&t->tokens, p, n, &added);
    if (id < 0) return -1;
    return intbuf_push(&t->token_ids, id);
}

/* tokens.word_tokens of one identifier or number p[0:n]: its sub-words (as the regex
 * [A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+ finds them) lower-cased, without dropped
 * ones; then, when there are two or more, the whole lower-cased with its outer "_"s
 * stripped.  `lower` is scratch space of at least n bytes; `parts` collects spans. */
static int piece_tokens(WordTable *t, const char *p, Py_ssize_t n, char *lower, IntBuf *parts) {
    const unsigned char *s = (const unsigned char *)p;
    parts->len = 0;
    Py_ssize_t i = 0;
    while (i < n) {
        Py_ssize_t j;
        if (word_is_upper(s[i])) {
            Py_ssize_t k = i;
            while (k < n && word_is_upper(s[k])) k++;
            if (k - i >= 2 && k < n && word_is_lower(s[k])) {
                j = k - 1; /* an acronym before a capitalised word: "HTTP" of "HTTPResponse" */
            } else if (i + 1 < n && word_is_lower(s[i + 1])) {
                j = i + 1;
                while (j < n && word_is_lower(s[j])) j++;
            } else {
                j = k;
            }
        } else if (word_is_lower(s[i])) {
            j = i;
            while (j < n && word_is_lower(s[j])) j++;
        } else if (word_is_digit(s[i])) {
            j = i;
            while (j < n && word_is_digit(s[j])) j++;
        } else {
            i++; /* "_" */
            continue;
        }
        if (intbuf_push(parts, i) < 0 || intbuf_push(parts, j - i) < 0) return -1;
        i = j;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        lower[k] = (char)(word_is_upper(s[k]) ? s[k] | 0x20 : s[k]);
    }
    for (Py_ssize_t k = 0; k < parts->len; k += 2) {
        const char *part = lower + parts->data[k];
        Py_ssize_t len = parts->data[k + 1];
        if (!strtable_contains(&t->dropped, part, len) && add_token(t, part, len) < 0) return -1;
    }
    if (parts->len > 2) {
        Py_ssize_t start = 0, end = n;
        while (start < end && lower[start] == '_') start++;
        while (end > start && lower[end - 1] == '_') end--;
        if (add_token(t, lower + start, end - start) < 0) return -1;
    }
    return 0;
}

/* tokens.run_tokens of the word w: a run starting with digits is those digits, then an
 * identifier (the rest); any other run is one identifier. */
static int word_tokens_of(WordTable *t, Py_ssize_t w, char *lower, IntBuf *parts) {
    const Key *key = &t->words.keys[w];
    const char *p = t->words.bytes.data + key->off;
    Py_ssize_t n = key->len;
    Py_ssize_t first = t->token_ids.len;
    Py_ssize_t digits = 0;
    while (digits < n && word_is_digit((unsigned char)p[digits])) digits++;
    if (digits > 0 && digits < n) {
        if (piece_tokens(t, p, digits, lower, parts) < 0) return -1;
        if (piece_tokens(t, p + digits, n - digits, lower, parts) < 0) return -1;
    } else if (piece_tokens(t, p, n, lower, parts) < 0) {
        return -1;
    }
    t->word_tokens[w] = (Span){first, t->token_ids.len - first};
    return 0;
}

/* Asks stem() for the terms of the tokens [first, tokens.n); returns their names (a new
 * list), or NULL on error. */
static PyObject *stem_new_tokens(WordTable *t, Py_ssize_t first, PyObject *stem) {
    Py_ssize_t count = t->tokens.n - first;
    PyObject *names = PyList_New(count);
    if (names == NULL) return NULL;
    for (Py_ssize_t k = 0; k < count; k++) {
        const Key *key = &t->tokens.keys[first + k];
        PyObject *name = PyUnicode_DecodeASCII(t->tokens.bytes.data + key->off, key->len, "strict");
        if (name == NULL) goto fail;
        PyList_SET_ITEM(names, k, name);
    }
    PyObject *terms = PyObject_CallOneArg(stem, names);
    if (terms == NULL) goto fail;
    PyObject *seq = PySequence_Fast(terms, "stem() must return a sequence of str");
    Py_DECREF(terms);
    if (seq == NULL) goto fail;
    if (PySequence_Fast_GET_SIZE(seq) != count) {
        PyErr_Format(PyExc_ValueError, "stem() returned %zd terms for %zd tokens",
                     PySequence_Fast_GET_SIZE(seq), count);
        Py_DECREF(seq);
        goto fail;
    }
    if (intbuf_reserve(&t->token_term_off, count) < 0 ||
        intbuf_reserve(&t->token_term_len, count) < 0) {
        Py_DECREF(seq);
        goto fail;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, k);
        Py_ssize_t len;
        const char *term = PyUnicode_Check(item) ? PyUnicode_AsUTF8AndSize(item, &len) : NULL;
        if (term == NULL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "stem() must return str");
            Py_DECREF(seq);
            goto fail;
        }
        t->token_term_off.data[t->token_term_off.len++] = t->token_term_bytes.len;
        t->token_term_len.data[t->token_term_len.len++] = len;
        if (bytebuf_append(&t->token_term_bytes, term, len) < 0) {
            Py_DECREF(seq);
            goto fail;
        }
    }
    Py_DECREF(seq);
    return names;
fail:
    Py_DECREF(names);
    return NULL;
}

/* Tokens and terms of the words [first, words.n), which were just added. */
static PyObject *define_new_words(WordTable *t, Py_ssize_t first, PyObject *stem) {
    Py_ssize_t first_token = t->tokens.n;
    char *lower = NULL;
    IntBuf parts = {0};
    PyObject *names = NULL;
    if (words_reserve(t) < 0) return NULL;
    Py_ssize_t longest = 1;
    for (Py_ssize_t w = first; w < t->words.n; w++) {
        if (t->words.keys[w].len > longest) longest = t->words.keys[w].len;
    }
    lower = PyMem_Malloc((size_t)longest);
    if (lower == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t w = first; w < t->words.n; w++) {
        if (word_tokens_of(t, w, lower, &parts) < 0) goto done;
    }
    names = t->tokens.n > first_token ? stem_new_tokens(t, first_token, stem) : PyList_New(0);
    if (names == NULL) goto done;
    for (Py_ssize_t w = first; w < t->words.n; w++) {
        Span tokens = t->word_tokens[w];
        Py_ssize_t start = t->term_bytes.len;
        for (Py_ssize_t k = tokens.off; k < tokens.off + tokens.len; k++) {
            int64_t id = t->token_ids.data[k];
            if (bytebuf_append(&t->term_bytes,
                               t->token_term_bytes.data + t->token_term_off.data[id],
                               t->token_term_len.data[id]) < 0) {
                Py_CLEAR(names);
                goto done;
            }
        }
        t->word_terms[w] = (Span){start, t->term_bytes.len - start};
    }
done:
    PyMem_Free(lower);
    PyMem_Free(parts.data);
    return names;
}

/* UTF-8 of a str, surrogates passed through as Python's "surrogatepass" does.  *owner
 * gets a new reference when the bytes live in a new object (NULL otherwise). */
static const char *utf8_of(PyObject *text, Py_ssize_t *size, PyObject **owner) {
    *owner = NULL;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "tokenize() takes a list of str");
        return NULL;
    }
    const char *data = PyUnicode_AsUTF8AndSize(text, size);
    if (data != NULL) return data;
    if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return NULL;
    PyErr_Clear();
    PyObject *encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
    if (encoded == NULL) return NULL;
    *owner = encoded;
    *size = PyBytes_GET_SIZE(encoded);
    return PyBytes_AS_STRING(encoded);
}

/* The output of tokenize() from the word ids of every text (word_ids, with the start of
 * each text's ids in text_start). */
static PyObject *tokenize_output(WordTable *t, Py_ssize_t n_texts, const IntBuf *word_ids,
                                 const IntBuf *text_start, PyObject *new_tokens) {
    PyObject *terms_list = NULL, *tokens = NULL, *offsets = NULL;
    ByteBuf scratch = {0};
    Py_ssize_t total = 0;
    for (Py_ssize_t k = 0; k < word_ids->len; k++) total += t->word_tokens[word_ids->data[k]].len;
    terms_list = PyList_New(n_texts);
    tokens = PyBytes_FromStringAndSize(NULL, total * (Py_ssize_t)sizeof(int64_t));
    offsets = PyBytes_FromStringAndSize(NULL, (n_texts + 1) * (Py_ssize_t)sizeof(int64_t));
    if (terms_list == NULL || tokens == NULL || offsets == NULL) goto fail;
    int64_t *out_tokens = (int64_t *)PyBytes_AS_STRING(tokens);
    int64_t *out_offsets = (int64_t *)PyBytes_AS_STRING(offsets);
    Py_ssize_t pos = 0;
    for (Py_ssize_t i = 0; i < n_texts; i++) {
        out_offsets[i] = pos;
        scratch.len = 0;
        for (Py_ssize_t k = text_start->data[i]; k < text_start->data[i + 1]; k++) {
            Py_ssize_t w = word_ids->data[k];
            Span terms = t->word_terms[w], ids = t->word_tokens[w];
            if (bytebuf_append(&scratch, t->term_bytes.data + terms.off, terms.len) < 0) goto fail;
            memcpy(out_tokens + pos, t->token_ids.data + ids.off, (size_t)ids.len * sizeof(int64_t));
            pos += ids.len;
        }
        /* every term ends with a space: a text's terms drop the last one */
        Py_ssize_t len = scratch.len > 0 ? scratch.len - 1 : 0;
        PyObject *text_terms = PyUnicode_DecodeUTF8(scratch.data ? scratch.data : "", len, "strict");
        if (text_terms == NULL) goto fail;
        PyList_SET_ITEM(terms_list, i, text_terms);
    }
    out_offsets[n_texts] = pos;
    PyMem_Free(scratch.data);
    return Py_BuildValue("(NNNO)", terms_list, tokens, offsets, new_tokens);
fail:
    PyMem_Free(scratch.data);
    Py_XDECREF(terms_list);
    Py_XDECREF(tokens);
    Py_XDECREF(offsets);
    return NULL;
}

/* Undoes what a failed tokenize() call added. */
typedef struct {
    Py_ssize_t words, tokens, term_bytes, token_ids, token_terms, token_term_bytes;
} Mark;

static Mark table_mark(const WordTable *t) {
    return (Mark){t->words.n,        t->tokens.n,           t->term_bytes.len,
                  t->token_ids.len,  t->token_term_off.len, t->token_term_bytes.len};
}

static void table_rollback(WordTable *t, Mark m) {
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    t->term_bytes.len = m.term_bytes;
    t->token_ids.len = m.token_ids;
    t->token_term_off.len = t->token_term_len.len = m.token_terms;
    t->token_term_bytes.len = m.token_term_bytes;
    if (strtable_truncate(&t->words, m.words) < 0 || strtable_truncate(&t->tokens, m.tokens) < 0) {
        /* out of memory while undoing: start afresh rather than keep a broken table */
        PyErr_Clear();
        if (table_storage_init(t) < 0) PyErr_Clear();
    }
    PyErr_Restore(type, value, traceback);
}

static PyObject *WordTable_tokenize(WordTable *self, PyObject *args) {
    PyObject *texts, *stem;
    if (!PyArg_ParseTuple(args, "O!O:tokenize", &PyList_Type, &texts, &stem)) return NULL;
    if (!PyCallable_Check(stem)) {
        PyErr_SetString(PyExc_TypeError, "stem must be callable");
        return NULL;
    }
    if (refuse_if_busy(self) < 0) return NULL;
    self->busy = 1;
    Py_INCREF(texts); /* kept alive even if stem() empties the caller's list */
    Py_ssize_t n_texts = PyList_GET_SIZE(texts);
    Mark mark = table_mark(self);
    IntBuf word_ids = {0}, text_start = {0};
    PyObject *result = NULL, *new_tokens = NULL;
    if (intbuf_reserve(&text_start, n_texts + 1) < 0) goto undo;
    text_start.data[text_start.len++] = 0;
    for (Py_ssize_t i = 0; i < n_texts; i++) {
        Py_ssize_t size;
        PyObject *owner;
        const char *data = utf8_of(PyList_GET_ITEM(texts, i), &size, &owner);
        if (data == NULL) goto undo;
        const unsigned char *p = (const unsigned char *)data;
        Py_ssize_t j = 0;
        while (j < size) {
            if (!IS_WORD[p[j]]) {
                j++;
                continue;
            }
            Py_ssize_t start = j;
            while (j < size && IS_WORD[p[j]]) j++;
            int added;
            Py_ssize_t w = strtable_find_or_add(&self->words, data + start, j - start, &added);
            if (w < 0 || intbuf_push(&word_ids, w) < 0) {
                Py_XDECREF(owner);
                goto undo;
            }
        }
        Py_XDECREF(owner);
        text_start.data[text_start.len++] = word_ids.len;
    }
    new_tokens = define_new_words(self, mark.words, stem);
    if (new_tokens == NULL) goto undo;
    result = tokenize_output(self, n_texts, &word_ids, &text_start, new_tokens);
    if (result == NULL) goto undo;
    goto done;
undo:
    table_rollback(self, mark);
done:
    self->busy = 0;
    Py_XDECREF(new_tokens);
    Py_DECREF(texts);
    PyMem_Free(word_ids.data);
    PyMem_Free(text_start.data);
    return result;
}

static PyMethodDef WordTable_methods[] = {
    {"tokenize", (PyCFunction)WordTable_tokenize, METH_VARARGS,
     "tokenize(texts, stem) -> (terms, token ids as int64 bytes, offsets as int64 bytes, "
     "new token names)"},
    {"clear", (PyCFunction)WordTable_clear, METH_NOARGS, "Forget every word and token."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods WordTable_as_sequence = {
    .sq_length = (lenfunc)WordTable_len,
};

static PyTypeObject WordTableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "delegate.index._textscan.WordTable",
    .tp_doc = "Distinct words and tokens seen so far, with their full-text terms and token ids.",
    .tp_basicsize = sizeof(WordTable),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)WordTable_init,
    .tp_dealloc = (destructor)WordTable_dealloc,
    .tp_methods = WordTable_methods,
    .tp_as_sequence = &WordTable_as_sequence,
};

/* ---- hashed counts ------------------------------------------------------------------- */

static int cmp_int64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (view->len % itemsize != 0) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of %zd-byte items",
                     name, view->len, itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *hashed_counts(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *tokens_obj, *offsets_obj, *signed_obj, *weights_obj;
    Py_ssize_t dim;
    if (!PyArg_ParseTuple(args, "OOOOn:hashed_counts", &tokens_obj, &offsets_obj, &signed_obj,
                          &weights_obj, &dim)) {
        return NULL;
    }
    if (dim <= 0) {
        PyErr_SetString(PyExc_ValueError, "dim must be positive");
        return NULL;
    }
    Py_buffer tok = {0}, off = {0}, sig = {0}, wts = {0};
    PyObject *out = NULL;
    int32_t *counts = NULL;
    int64_t *distinct = NULL;
    double *row = NULL;
    if (get_buffer(tokens_obj, &tok, 8, "tokens") < 0) return NULL;
    if (get_buffer(offsets_obj, &off, 8, "offsets") < 0) goto done;
    if (get_buffer(signed_obj, &sig, 8, "signed") < 0) goto done;
    if (get_buffer(weights_obj, &wts, 8, "weights") < 0) goto done;
    const int64_t *tokens = tok.buf, *offsets = off.buf, *signs = sig.buf;
    const double *weights = wts.buf;
    Py_ssize_t n_tokens = tok.len / 8, n_offsets = off.len / 8, vocab = sig.len / 8,
               n_weights = wts.len / 8;
    Py_ssize_t n = n_offsets > 0 ? n_offsets - 1 : 0;
    /* check everything first, so the loop below needs no checks and no GIL */
    Py_ssize_t longest = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (offsets[i] < 0 || offsets[i] > offsets[i + 1] || offsets[i + 1] > n_tokens) {
            PyErr_SetString(PyExc_ValueError, "offsets must rise within the tokens");
            goto done;
        }
        if (offsets[i + 1] - offsets[i] > longest) longest = offsets[i + 1] - offsets[i];
    }
    if (longest >= n_weights) {
        PyErr_Format(PyExc_ValueError, "weights has %zd entries; a text has %zd tokens",
                     n_weights, longest);
        goto done;
    }
    for (Py_ssize_t k = n > 0 ? offsets[0] : 0; k < (n > 0 ? offsets[n] : 0); k++) {
        if (tokens[k] < 0 || tokens[k] >= vocab) {
            PyErr_SetString(PyExc_ValueError, "a token id has no signed bucket");
            goto done;
        }
        int64_t s = signs[tokens[k]];
        if (s == 0 || s > dim || s < -dim) {
            PyErr_SetString(PyExc_ValueError, "signed buckets must be +-(1..dim)");
            goto done;
        }
    }
    out = PyBytes_FromStringAndSize(NULL, n * dim * (Py_ssize_t)sizeof(float));
    counts = PyMem_Calloc(vocab > 0 ? (size_t)vocab : 1, sizeof(int32_t));
    distinct = PyMem_Malloc((size_t)(longest > 0 ? longest : 1) * sizeof(int64_t));
    row = PyMem_Malloc((size_t)dim * sizeof(double));
    if (out == NULL || counts == NULL || distinct == NULL || row == NULL) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        Py_CLEAR(out);
        goto done;
    }
    float *rows = (float *)PyBytes_AS_STRING(out);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t n_distinct = 0;
        for (int64_t k = offsets[i]; k < offsets[i + 1]; k++) {
            int64_t t = tokens[k];
            if (counts[t]++ == 0) distinct[n_distinct++] = t;
        }
        qsort(distinct, (size_t)n_distinct, sizeof(int64_t), cmp_int64);
        memset(row, 0, (size_t)dim * sizeof(double));
        for (Py_ssize_t d = 0; d < n_distinct; d++) {
            int64_t t = distinct[d];
            int64_t s = signs[t];
            double w = weights[counts[t]];
            counts[t] = 0;
            if (s > 0) {
                row[s - 1] += w;
            } else {
                row[-s - 1] += -w;
            }
        }
        float *dst = rows + i * dim;
        for (Py_ssize_t b = 0; b < dim; b++) dst[b] = (float)row[b];
    }
    Py_END_ALLOW_THREADS
done:
    PyMem_Free(counts);
    PyMem_Free(distinct);
    PyMem_Free(row);
    if (tok.obj) PyBuffer_Release(&tok);
    if (off.obj) PyBuffer_Release(&off);
    if (sig.obj) PyBuffer_Release(&sig);
    if (wts.obj) PyBuffer_Release(&wts);
    return out;
}

/* ---- module -------------------------------------------------------------------------- */

static PyMethodDef module_methods[] = {
    {"hashed_counts", hashed_counts, METH_VARARGS,
     "hashed_counts(tokens, offsets, signed, weights, dim) -> float32 rows as bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef textscan_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "delegate.index._textscan",
    .m_doc = "Native fast path of the index's tokeniser and hashing embedder.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__textscan(void) {
    for (int c = 0; c < 256; c++) {
        IS_WORD[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_';
    }
    if (PyType_Ready(&WordTableType) < 0) return NULL;
    PyObject *module = PyModule_Create(&textscan_module);
    if (module == NULL) return NULL;
    Py_INCREF(&WordTableType);
    if (PyModule_AddObject(module, "WordTable", (PyObject *)&WordTableType) < 0) {
        Py_DECREF(&WordTableType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
