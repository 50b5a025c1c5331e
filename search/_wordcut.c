/* jieba's cut of one clause in compiled code: search/wordcut.py's _cut_clause and jieba's
 * finalseg (the hidden Markov model for runs of unknown characters), step for step.
 *
 * Indexing spends a third of its time cutting words, and what costs is the interpreter's work
 * per character and per candidate word, not the dictionary look-ups themselves. Here the loops
 * are C, but everything they read is jieba's own Python state, passed in at each call: the
 * dictionary (jieba.dt.FREQ, looked up with the same substrings), log(total), and finalseg's
 * tables. The arithmetic is the same double-precision expressions in the same order (no
 * -ffast-math: contraction or reassociation would change which word wins a near tie), and
 * ties break as Python's max over (score, index) and (probability, state) tuples break them,
 * so the words are jieba's. wordcut.py keeps the pure-Python version, which the tests compare
 * with this one and which runs wherever this file is not compiled.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

#define MIN_FLOAT (-3.14e100)

/* The dictionary's short words and prefixes (97 % of jieba's 498k keys are 1-4 characters) in a
 * table of our own. Three quarters of the loops' time went to looking fragments up in
 * jieba.dt.FREQ: each look-up made a string, hashed it, and missed the cache on a dict of half a
 * million keys two or three times. Here a fragment of up to four characters of the Basic
 * Multilingual Plane is a 64-bit key (its UTF-16 units side by side, so the key IS the
 * fragment, no hash collisions to settle) in an open-addressed table of 16-byte slots: one
 * cache miss. Longer fragments and any other characters go to FREQ itself. The table is
 * rebuilt whenever FREQ changes (jieba.add_word, a user dictionary): a dict's version tag
 * (PEP 509) changes with every write to it, so the table is FREQ's exact copy at each call. */
#if PY_VERSION_HEX < 0x030C0000
#define SHORT_TABLE 1
#endif

typedef struct {
    uint64_t key; /* 0: an empty slot (no key holds U+0000) */
    int64_t count;
} Slot;

static Slot *short_table = NULL;
static uint64_t short_mask = 0;
static int short_bits = 0;
static PyObject *short_source = NULL; /* compared by identity only, with its version */
static uint64_t short_version = 0;
static PyObject *math_log = NULL; /* math.log, for a count that is not a plain non-negative int */

static inline uint64_t
short_slot(uint64_t key)
{
    return (key * 0x9E3779B97F4A7C15ull) >> (64 - short_bits);
}

/* The key of a fragment of up to 4 characters, each in 1..0xFFFF; 0 if it has no such key. */
static uint64_t
short_key(PyObject *text)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (length < 1 || length > 4)
        return 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    uint64_t key = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == 0 || c > 0xFFFF)
            return 0;
        key |= (uint64_t)c << (16 * i);
    }
    return key;
}

/* Whether the short-key table is FREQ's copy; rebuilt from it if FREQ changed since. -1: error. */
static int
short_table_ready(PyObject *freq)
{
#ifdef SHORT_TABLE
    uint64_t version = ((PyDictObject *)freq)->ma_version_tag;
    if (short_table != NULL && freq == short_source && version == short_version)
        return 1;
    PyMem_Free(short_table);
    short_table = NULL;
    short_source = NULL;
    Py_ssize_t entries = PyDict_GET_SIZE(freq);
    int bits = 4;
    while (((Py_ssize_t)1 << bits) < 2 * entries + 16)
        bits++;
    Slot *table = PyMem_Calloc((size_t)1 << bits, sizeof(Slot));
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    short_bits = bits;
    short_mask = ((uint64_t)1 << bits) - 1;
    Py_ssize_t position = 0;
    PyObject *word, *count;
    while (PyDict_Next(freq, &position, &word, &count)) {
        if (!PyUnicode_Check(word) || !PyLong_CheckExact(count))
            goto unusable;
        uint64_t key = short_key(word);
        if (key == 0)
            continue; /* looked up in FREQ itself */
        int overflow;
        long long number = PyLong_AsLongLongAndOverflow(count, &overflow);
        if (overflow || number < 0) { /* log() of them is Python's business (or its error) */
            PyErr_Clear();
            goto unusable;
        }
        uint64_t slot = short_slot(key);
        while (table[slot].key != 0 && table[slot].key != key)
            slot = (slot + 1) & short_mask;
        table[slot].key = key;
        table[slot].count = number;
    }
    short_table = table;
    short_source = freq;
    short_version = version;
    return 1;
unusable: /* keys or counts the table cannot hold: every look-up goes to FREQ */
    PyMem_Free(table);
    return 0;
#else
    return 0;
#endif
}

/* Whether the table is FREQ's copy now. Checked again at each look-up's turn, not only once per
 * call: Python code run meanwhile (the fallback, a count's own methods) lets other threads write
 * to FREQ or rebuild the table for another dictionary. */
static inline int
short_table_current(PyObject *freq)
{
#ifdef SHORT_TABLE
    return short_table != NULL && freq == short_source &&
           ((PyDictObject *)freq)->ma_version_tag == short_version;
#else
    return 0;
#endif
}

/* A count read from FREQ as _cut_clause reads it: *word is its truth (`if count:`) and, when it
 * is one, *logcount is log(count), math.log's own answer for counts that are not plain ints
 * (a float, an int beyond 64 bits; a negative count raises its ValueError). */
static int
count_log(PyObject *count, int *word, double *logcount)
{
    if (PyLong_CheckExact(count)) {
        int overflow;
        long long number = PyLong_AsLongLongAndOverflow(count, &overflow);
        if (number == -1 && PyErr_Occurred())
            return -1;
        if (!overflow && number >= 0) {
            *word = number != 0;
            if (number)
                *logcount = log((double)number);
            return 0;
        }
    }
    int truth = PyObject_IsTrue(count);
    if (truth < 0)
        return -1;
    *word = truth;
    if (!truth)
        return 0;
    PyObject *value = PyObject_CallOneArg(math_log, count);
    if (value == NULL)
        return -1;
    *logcount = PyFloat_AsDouble(value);
    Py_DECREF(value);
    return (*logcount == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* The count of a short key: 1 and *count if the table holds it, 0 if it does not. */
static inline int
short_lookup(uint64_t key, long long *count)
{
    uint64_t slot = short_slot(key);
    for (;;) {
        uint64_t found = short_table[slot].key;
        if (found == key) {
            *count = short_table[slot].count;
            return 1;
        }
        if (found == 0)
            return 0;
        slot = (slot + 1) & short_mask;
    }
}

/* finalseg's states in the order its loop visits them, 'BMES', and the character each is, which
 * breaks ties in its max over (probability, state) tuples. */
enum { B, M, E, S };
static const Py_UCS4 STATE_CHAR[4] = {'B', 'M', 'E', 'S'};
/* finalseg.PrevStatus: the states each state can follow, in its order. */
static const int PREVIOUS[4][2] = {{E, S}, {M, B}, {B, M}, {S, E}};

typedef struct {
    double start[4];
    double trans[4][4]; /* trans[from][to], MIN_FLOAT where finalseg's table has no entry */
    PyObject *emit[4];  /* finalseg's emission dicts, character -> log-probability */
} Model;

/* A character in finalseg.re_han ([\u4E00-\u9FD5]), the only ones its Viterbi sees. */
static inline int
is_han(Py_UCS4 c)
{
    return c >= 0x4E00 && c <= 0x9FD5;
}

static int
emission(Model *model, int state, PyObject *character, double *out)
{
    PyObject *value = PyDict_GetItemWithError(model->emit[state], character);
    if (value == NULL) {
        if (PyErr_Occurred())
            return -1;
        *out = MIN_FLOAT;
        return 0;
    }
    *out = PyFloat_AsDouble(value);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* The four states' emission log-probabilities of text[at], MIN_FLOAT where a table lacks it. */
static int
emissions(Model *model, PyObject *text, Py_ssize_t at, double out[4])
{
    PyObject *character = PyUnicode_Substring(text, at, at + 1);
    if (character == NULL)
        return -1;
    for (int y = 0; y < 4; y++) {
        if (emission(model, y, character, &out[y]) < 0) {
            Py_DECREF(character);
            return -1;
        }
    }
    Py_DECREF(character);
    return 0;
}

static int
append_slice(PyObject *words, PyObject *text, Py_ssize_t start, Py_ssize_t stop)
{
    PyObject *word = PyUnicode_Substring(text, start, stop);
    if (word == NULL)
        return -1;
    int failed = PyList_Append(words, word);
    Py_DECREF(word);
    return failed;
}

/* finalseg.__cut over text[start:stop], every character of it Han: Viterbi, then the words. */
static int
hmm_cut(Model *model, PyObject *text, Py_ssize_t start, Py_ssize_t stop, PyObject *words)
{
    Py_ssize_t size = stop - start, t;
    double previous[4], current[4], em[4];
    unsigned char *back = PyMem_Malloc(size * 4);
    unsigned char *states = PyMem_Malloc(size);
    int result = -1;
    if (back == NULL || states == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (emissions(model, text, start, em) < 0)
        goto done;
    for (int y = 0; y < 4; y++)
        previous[y] = model->start[y] + em[y];
    for (t = 1; t < size; t++) {
        if (emissions(model, text, start + t, em) < 0)
            goto done;
        for (int y = 0; y < 4; y++) {
            int best = -1;
            double best_probability = 0.0;
            for (int k = 0; k < 2; k++) {
                int y0 = PREVIOUS[y][k];
                double probability = previous[y0] + model->trans[y0][y] + em[y];
                if (best < 0 || probability > best_probability ||
                    (probability == best_probability && STATE_CHAR[y0] > STATE_CHAR[best])) {
                    best = y0;
                    best_probability = probability;
                }
            }
            current[y] = best_probability;
            back[t * 4 + y] = (unsigned char)best;
        }
        memcpy(previous, current, sizeof previous);
    }
    /* max((V[-1][y], y) for y in 'ES'): on a tie, 'S' */
    int state = previous[S] >= previous[E] ? S : E;
    for (t = size - 1; t >= 0; t--) {
        states[t] = (unsigned char)state;
        if (t > 0)
            state = back[t * 4 + state];
    }
    Py_ssize_t begin = 0, next = 0;
    for (t = 0; t < size; t++) {
        if (states[t] == B) {
            begin = t;
        } else if (states[t] == E) {
            if (append_slice(words, text, start + begin, start + t + 1) < 0)
                goto done;
            next = t + 1;
        } else if (states[t] == S) {
            if (append_slice(words, text, start + t, start + t + 1) < 0)
                goto done;
            next = t + 1;
        }
    }
    if (next < size && append_slice(words, text, start + next, stop) < 0)
        goto done;
    result = 0;
done:
    PyMem_Free(back);
    PyMem_Free(states);
    return result;
}

static inline int
is_ascii_alnum(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* jieba.re_han_default's class: [\u4E00-\u9FD5a-zA-Z0-9+#&._%-] */
static inline int
in_clause(Py_UCS4 c)
{
    return is_han(c) || is_ascii_alnum(c) || c == '+' || c == '#' || c == '&' || c == '.' || c == '_' || c == '%' ||
           c == '-';
}

/* finalseg.cut's re_skip.split over text[start:stop], a run without Han characters: each match
 * of [a-zA-Z0-9]+(?:\.\d+)?%? and each stretch between matches that is not empty, in order. */
static int
skip_split(PyObject *text, Py_ssize_t start, Py_ssize_t stop, PyObject *words)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t between = start, i = start;
    while (i < stop) {
        if (!is_ascii_alnum(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        if (i > between && append_slice(words, text, between, i) < 0)
            return -1;
        Py_ssize_t j = i;
        while (j < stop && is_ascii_alnum(PyUnicode_READ(kind, data, j)))
            j++;
        if (j + 1 < stop && PyUnicode_READ(kind, data, j) == '.') {
            Py_UCS4 digit = PyUnicode_READ(kind, data, j + 1);
            if (digit >= '0' && digit <= '9') {
                j += 2;
                while (j < stop && (digit = PyUnicode_READ(kind, data, j)) >= '0' && digit <= '9')
                    j++;
            }
        }
        if (j < stop && PyUnicode_READ(kind, data, j) == '%')
            j++;
        if (append_slice(words, text, i, j) < 0)
            return -1;
        i = between = j;
    }
    return stop > between ? append_slice(words, text, between, stop) : 0;
}

/* finalseg.cut over text[start:stop] when it holds only clause characters (and no words are
 * forced apart, or there would be no model): its Han runs through the Viterbi, the rest split
 * as re_skip splits them. */
static int
finalseg_cut(Model *model, PyObject *text, Py_ssize_t start, Py_ssize_t stop, PyObject *words)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t i = start;
    while (i < stop) {
        int han = is_han(PyUnicode_READ(kind, data, i));
        Py_ssize_t j = i + 1;
        while (j < stop && is_han(PyUnicode_READ(kind, data, j)) == han)
            j++;
        if ((han ? hmm_cut(model, text, i, j, words) : skip_split(text, i, j, words)) < 0)
            return -1;
        i = j;
    }
    return 0;
}

/* wordcut._gathered: a run of single characters on the best path. */
static int
gathered(Model *model, PyObject *freq, PyObject *fallback, PyObject *text, Py_ssize_t start,
         Py_ssize_t stop, PyObject *words)
{
    if (stop - start == 1)
        return append_slice(words, text, start, stop);
    PyObject *run = PyUnicode_Substring(text, start, stop);
    if (run == NULL)
        return -1;
    PyObject *count = PyDict_GetItemWithError(freq, run);
    if (count == NULL && PyErr_Occurred()) {
        Py_DECREF(run);
        return -1;
    }
    int known = 0;
    if (count != NULL) {
        Py_INCREF(count);
        known = PyObject_IsTrue(count);
        Py_DECREF(count);
        if (known < 0) {
            Py_DECREF(run);
            return -1;
        }
    }
    if (known) { /* a dictionary word gathered from single characters stays single characters */
        Py_DECREF(run);
        for (Py_ssize_t i = start; i < stop; i++)
            if (append_slice(words, text, i, i + 1) < 0)
                return -1;
        return 0;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    int plain = model != NULL;
    for (Py_ssize_t i = start; plain && i < stop; i++)
        plain = in_clause(PyUnicode_READ(kind, data, i));
    if (plain) {
        Py_DECREF(run);
        return finalseg_cut(model, text, start, stop, words);
    }
    /* characters finalseg's regular expressions might read otherwise: finalseg.cut itself */
    PyObject *cut = PyObject_CallOneArg(fallback, run);
    Py_DECREF(run);
    if (cut == NULL)
        return -1;
    PyObject *iterator = PyObject_GetIter(cut);
    Py_DECREF(cut);
    if (iterator == NULL)
        return -1;
    PyObject *word;
    while ((word = PyIter_Next(iterator)) != NULL) {
        int failed = PyList_Append(words, word);
        Py_DECREF(word);
        if (failed) {
            Py_DECREF(iterator);
            return -1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

static int
read_model(PyObject *tables, Model *model)
{
    PyObject *start, *trans, *emit;
    if (!PyArg_ParseTuple(tables, "OOO", &start, &trans, &emit))
        return -1;
    if (!PyTuple_Check(start) || PyTuple_GET_SIZE(start) != 4 || !PyTuple_Check(trans) ||
        PyTuple_GET_SIZE(trans) != 16 || !PyTuple_Check(emit) || PyTuple_GET_SIZE(emit) != 4) {
        PyErr_SetString(PyExc_ValueError, "the model is (4 start, 16 transition, 4 emission) tuples");
        return -1;
    }
    for (int y = 0; y < 4; y++) {
        model->start[y] = PyFloat_AsDouble(PyTuple_GET_ITEM(start, y));
        for (int to = 0; to < 4; to++)
            model->trans[y][to] = PyFloat_AsDouble(PyTuple_GET_ITEM(trans, y * 4 + to));
        model->emit[y] = PyTuple_GET_ITEM(emit, y);
        if (!PyDict_Check(model->emit[y])) {
            PyErr_SetString(PyExc_TypeError, "emission tables must be dicts");
            return -1;
        }
    }
    return PyErr_Occurred() ? -1 : 0;
}

PyDoc_STRVAR(cut_clause_doc,
"cut_clause(clause, freq, logtotal, model, fallback) -> list of words\n\n"
"wordcut._cut_clause over one clause: jieba's best path through the dictionary `freq`, runs of\n"
"single characters that are no word through finalseg's Viterbi with `model` (start, transition\n"
"and emission tables, in the order BMES; None: every run goes to `fallback`), its letters, digits\n"
"and symbols split as finalseg.cut splits them, and runs holding any other character through\n"
"`fallback` (finalseg.cut).");

/* cut_clause's work: appends the clause's words to `words`. */
static int
cut_into(PyObject *clause, PyObject *freq, double logtotal, Model *hmm, PyObject *fallback, PyObject *words)
{
    Py_ssize_t size = PyUnicode_GET_LENGTH(clause);
    double *score = PyMem_Malloc((size + 1) * sizeof(double));
    Py_ssize_t *end = PyMem_Malloc((size + 1) * sizeof(Py_ssize_t));
    if (score == NULL || end == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    int use_table = short_table_ready(freq);
    if (use_table < 0)
        goto fail;
    int kind = PyUnicode_KIND(clause);
    const void *data = PyUnicode_DATA(clause);
    score[size] = 0.0;
    end[size] = size;
    /* For each character from the last back: every dictionary word that starts there, scored
     * as jieba's calc scores it; the longer word wins a tie (calc's max over (score, end)). */
    for (Py_ssize_t start = size - 1; start >= 0; start--) {
        int found = 0;
        double best_score = 0.0;
        Py_ssize_t best_end = start;
        uint64_t key = 0; /* the fragment's short key while it has one */
        int keyed = use_table && short_table_current(freq);
        for (Py_ssize_t stop = start; stop < size; stop++) {
            int word;
            double logcount = 0.0;
            if (keyed && stop - start < 4) {
                Py_UCS4 c = PyUnicode_READ(kind, data, stop);
                keyed = c != 0 && c <= 0xFFFF;
                key |= (uint64_t)c << (16 * (stop - start));
            } else {
                keyed = 0;
            }
            if (keyed) {
                long long number;
                if (!short_lookup(key, &number))
                    break; /* no dictionary word starts with this fragment */
                word = number != 0;
                if (word)
                    logcount = log((double)number);
            } else {
                PyObject *fragment = PyUnicode_Substring(clause, start, stop + 1);
                if (fragment == NULL)
                    goto fail;
                PyObject *count = PyDict_GetItemWithError(freq, fragment);
                Py_DECREF(fragment);
                if (count == NULL) {
                    if (PyErr_Occurred())
                        goto fail;
                    break; /* no dictionary word starts with this fragment */
                }
                Py_INCREF(count); /* count_log may run Python code that drops FREQ's reference */
                int failed = count_log(count, &word, &logcount);
                Py_DECREF(count);
                if (failed < 0)
                    goto fail;
            }
            if (word) { /* 0 marks a prefix of longer words only */
                double candidate = logcount - logtotal + score[stop + 1];
                if (!found || candidate >= best_score) {
                    found = 1;
                    best_score = candidate;
                    best_end = stop;
                }
            }
        }
        if (!found) { /* the character alone, which jieba scores as a count of 1 */
            best_score = 0.0 - logtotal + score[start + 1];
            best_end = start;
        }
        score[start] = best_score;
        end[start] = best_end;
    }
    /* jieba's walk along the path: single characters are gathered, and a gathered run goes to
     * gathered() */
    Py_ssize_t position = 0, run_start = -1;
    while (position < size) {
        Py_ssize_t following = end[position] + 1;
        if (following - position == 1) {
            if (run_start < 0)
                run_start = position;
        } else {
            if (run_start >= 0) {
                if (gathered(hmm, freq, fallback, clause, run_start, position, words) < 0)
                    goto fail;
                run_start = -1;
            }
            if (append_slice(words, clause, position, following) < 0)
                goto fail;
        }
        position = following;
    }
    if (run_start >= 0 && gathered(hmm, freq, fallback, clause, run_start, size, words) < 0)
        goto fail;
    PyMem_Free(score);
    PyMem_Free(end);
    return 0;
fail:
    PyMem_Free(score);
    PyMem_Free(end);
    return -1;
}

/* The arguments cut_clause and count_words share: (text, freq, logtotal, model, fallback), the
 * model read into `model` and pointed to by `*hmm` (NULL for None). */
static int
parse_call(PyObject *args, PyObject **text, PyObject **freq, double *logtotal, Model *model, Model **hmm,
           PyObject **fallback)
{
    PyObject *tables;
    if (!PyArg_ParseTuple(args, "UO!dOO", text, &PyDict_Type, freq, logtotal, &tables, fallback))
        return -1;
    *hmm = NULL;
    if (tables != Py_None) {
        if (read_model(tables, model) < 0)
            return -1;
        *hmm = model;
    }
    return 0;
}

static PyObject *
cut_clause(PyObject *self, PyObject *args)
{
    PyObject *clause, *freq, *fallback;
    double logtotal;
    Model model, *hmm;
    if (parse_call(args, &clause, &freq, &logtotal, &model, &hmm, &fallback) < 0)
        return NULL;
    PyObject *words = PyList_New(0);
    if (words == NULL)
        return NULL;
    if (cut_into(clause, freq, logtotal, hmm, fallback, words) < 0) {
        Py_DECREF(words);
        return NULL;
    }
    return words;
}

/* analysis.is_wordlike: a letter, digit or ideograph somewhere in it */
static int
is_wordlike(PyObject *word)
{
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    for (Py_ssize_t i = 0, size = PyUnicode_GET_LENGTH(word); i < size; i++)
        if (Py_UNICODE_ISALNUM(PyUnicode_READ(kind, data, i)))
            return 1;
    return 0;
}

static int
count(PyObject *counts, PyObject *word)
{
    PyObject *seen = PyDict_GetItemWithError(counts, word);
    if (seen == NULL && PyErr_Occurred())
        return -1;
    PyObject *more = PyLong_FromLong(seen == NULL ? 1 : PyLong_AsLong(seen) + 1);
    if (more == NULL)
        return -1;
    int failed = PyDict_SetItem(counts, word, more);
    Py_DECREF(more);
    return failed;
}

/* Whether a two- or three-character part is a dictionary word (FREQ holds it, above 0). */
static int
is_dictionary_word(PyObject *freq, PyObject *part)
{
    uint64_t key = short_table_current(freq) ? short_key(part) : 0;
    long long number;
    if (key)
        return short_lookup(key, &number) && number != 0;
    PyObject *found = PyDict_GetItemWithError(freq, part);
    if (found == NULL)
        return PyErr_Occurred() ? -1 : 0;
    Py_INCREF(found);
    int truth = PyObject_IsTrue(found);
    Py_DECREF(found);
    return truth;
}

/* analysis.word_counts' loop body: the word, then its dictionary sub-words of two, then three
 * characters (analysis._subwords), each counted. */
static int
count_word(PyObject *counts, PyObject *freq, PyObject *word)
{
    if (!PyUnicode_Check(word)) { /* the fallback's words are read as strings below */
        PyErr_Format(PyExc_TypeError, "the fallback gave a %.200s, not a word", Py_TYPE(word)->tp_name);
        return -1;
    }
    if (!is_wordlike(word))
        return 0;
    if (count(counts, word) < 0)
        return -1;
    Py_ssize_t size = PyUnicode_GET_LENGTH(word);
    if (size <= 2)
        return 0;
    for (int width = 2; width <= 3 && width < size; width++) {
        for (Py_ssize_t start = 0; start + width <= size; start++) {
            PyObject *part = PyUnicode_Substring(word, start, start + width);
            if (part == NULL)
                return -1;
            int known = is_dictionary_word(freq, part);
            if (known > 0 && count(counts, part) < 0)
                known = -1;
            Py_DECREF(part);
            if (known < 0)
                return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(count_words_doc,
"count_words(text, freq, logtotal, model, fallback) -> dict\n\n"
"analysis.word_counts over folded text: wordcut.cut's words (jieba's) that hold a letter, digit or\n"
"ideograph, and the dictionary words of two and three characters inside the longer ones, each\n"
"with how often it occurs. The arguments after text are cut_clause's.");

static PyObject *
count_words(PyObject *self, PyObject *args)
{
    PyObject *text, *freq, *fallback;
    double logtotal;
    Model model, *hmm;
    if (parse_call(args, &text, &freq, &logtotal, &model, &hmm, &fallback) < 0)
        return NULL;
    if (short_table_ready(freq) < 0)
        return NULL;
    PyObject *counts = PyDict_New(), *words = PyList_New(0);
    if (counts == NULL || words == NULL)
        goto fail;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text), at = 0;
    while (at < size) {
        Py_UCS4 c = PyUnicode_READ(kind, data, at);
        if (!in_clause(c)) { /* cut yields it alone (or with a \n after \r): a word if alphanumeric */
            if (Py_UNICODE_ISALNUM(c)) {
                PyObject *word = PyUnicode_Substring(text, at, at + 1);
                if (word == NULL || count_word(counts, freq, word) < 0) {
                    Py_XDECREF(word);
                    goto fail;
                }
                Py_DECREF(word);
            }
            at++;
            continue;
        }
        Py_ssize_t stop = at + 1;
        while (stop < size && in_clause(PyUnicode_READ(kind, data, stop)))
            stop++;
        PyObject *clause = PyUnicode_Substring(text, at, stop);
        if (clause == NULL)
            goto fail;
        int failed = cut_into(clause, freq, logtotal, hmm, fallback, words);
        Py_DECREF(clause);
        if (failed)
            goto fail;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(words); i++)
            if (count_word(counts, freq, PyList_GET_ITEM(words, i)) < 0)
                goto fail;
        if (PyList_SetSlice(words, 0, PyList_GET_SIZE(words), NULL) < 0)
            goto fail;
        at = stop;
    }
    Py_DECREF(words);
    return counts;
fail:
    Py_XDECREF(counts);
    Py_XDECREF(words);
    return NULL;
}

static PyMethodDef methods[] = {
    {"cut_clause", cut_clause, METH_VARARGS, cut_clause_doc},
    {"count_words", count_words, METH_VARARGS, count_words_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_wordcut",
    "jieba's cut of a clause in compiled code (see search/wordcut.py).", -1, methods,
};

PyMODINIT_FUNC
PyInit__wordcut(void)
{
    if (math_log == NULL) {
        PyObject *math = PyImport_ImportModule("math");
        if (math == NULL)
            return NULL;
        math_log = PyObject_GetAttrString(math, "log");
        Py_DECREF(math);
        if (math_log == NULL)
            return NULL;
    }
    return PyModule_Create(&module);
}
