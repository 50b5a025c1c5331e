/* A term's one-block postings record and its term-dictionary row, in compiled code.
 *
 * Writing a segment is a loop over its terms, some 60,000 in a day's segment and hundreds of
 * thousands in a merge, and nearly every term's postings fit one block (a rare bigram, a name):
 * codec.CompactFieldWriter._add_one_block_term encodes that block, and
 * terms.TermDictionaryWriter.add_stats the term's row. In Python each term cost a few dozen
 * calls; these two functions make the same bytes in one call each. They take only the common
 * cases (a narrow block of positions, or postings without values) and return None for any
 * other, which the Python code then writes as before; the tests compare both ways byte for byte.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "_termrows.h"

#define NO_VALUE 0xFFFFFFFFu
#define MIN_COMPRESSED_BYTES 48 /* codec._MIN_COMPRESSED_BYTES */
enum { WEIGHTS_ALL_ONE, WEIGHTS_ONE_VALUE, WEIGHTS_BYTES, WEIGHTS_FLOATS };

/* whoosh.util.numeric._length_byte_cache, set once by set_length_table */
static int32_t length_table[256];
static int length_table_size = 0;

typedef struct {
    unsigned char *data;
    Py_ssize_t size, capacity;
} Buffer;

static int
reserve(Buffer *out, Py_ssize_t more)
{
    if (out->size + more <= out->capacity)
        return 0;
    Py_ssize_t capacity = out->capacity ? out->capacity : 64;
    while (capacity < out->size + more)
        capacity *= 2;
    unsigned char *data = PyMem_Realloc(out->data, capacity);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    out->data = data;
    out->capacity = capacity;
    return 0;
}

static int
put(Buffer *out, const void *bytes, Py_ssize_t size)
{
    if (reserve(out, size) < 0)
        return -1;
    memcpy(out->data + out->size, bytes, size);
    out->size += size;
    return 0;
}

static int
put_byte(Buffer *out, unsigned char byte)
{
    return put(out, &byte, 1);
}

/* codec.pack_array: the narrowest type's code, then the numbers (B), or their little-endian byte
 * planes, low bytes first (h, i). `values` are read through `get`. */
static int
pack_array(Buffer *out, Py_ssize_t count, uint32_t (*get)(const void *, Py_ssize_t), const void *source)
{
    uint32_t largest = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        uint32_t value = get(source, i);
        if (value > largest)
            largest = value;
    }
    int size = largest < (1u << 8) ? 1 : largest < (1u << 16) ? 2 : 4;
    if (reserve(out, 1 + count * size) < 0)
        return -1;
    out->data[out->size++] = size == 1 ? 'B' : size == 2 ? 'h' : 'i';
    for (int plane = 0; plane < size; plane++)
        for (Py_ssize_t i = 0; i < count; i++)
            out->data[out->size++] = (unsigned char)(get(source, i) >> (8 * plane));
    return 0;
}

typedef struct {
    const uint32_t *ids;
} Deltas;

static uint32_t
delta_at(const void *source, Py_ssize_t i)
{
    const uint32_t *ids = ((const Deltas *)source)->ids;
    return i ? ids[i] - ids[i - 1] : ids[0];
}

static uint32_t
count_at(const void *source, Py_ssize_t i)
{
    return ((const uint32_t *)source)[i] >> 2;
}

static uint32_t
position_at(const void *source, Py_ssize_t i)
{
    const unsigned char *bytes = (const unsigned char *)source + 4 * i;
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

static void
float32_le(unsigned char *out, float value)
{
    uint32_t bits;
    memcpy(&bits, &value, 4);
    for (int i = 0; i < 4; i++)
        out[i] = (unsigned char)(bits >> (8 * i));
}

/* codec.encode_block's document deltas and weights */
static int
ids_and_weights(Buffer *out, const uint32_t *ids, const float *weights, Py_ssize_t count)
{
    Deltas deltas = {ids};
    if (pack_array(out, count, delta_at, &deltas) < 0)
        return -1;
    int all_one = 1, all_same = 1, whole_bytes = 1;
    for (Py_ssize_t i = 0; i < count; i++) {
        double w = weights[i];
        all_one &= w == 1.0;
        all_same &= w == (double)weights[0];
        /* int(w) == w, and 0 <= int(w) < 256 */
        whole_bytes &= isfinite(w) && w == trunc(w) && trunc(w) >= 0.0 && trunc(w) < 256.0;
    }
    if (all_one)
        return put_byte(out, WEIGHTS_ALL_ONE);
    unsigned char packed[4];
    if (all_same) {
        float32_le(packed, weights[0]);
        return put_byte(out, WEIGHTS_ONE_VALUE) < 0 ? -1 : put(out, packed, 4);
    }
    if (whole_bytes) {
        if (reserve(out, 1 + count) < 0)
            return -1;
        out->data[out->size++] = WEIGHTS_BYTES;
        for (Py_ssize_t i = 0; i < count; i++)
            out->data[out->size++] = (unsigned char)(int)weights[i];
        return 0;
    }
    if (put_byte(out, WEIGHTS_FLOATS) < 0)
        return -1;
    for (Py_ssize_t i = 0; i < count; i++) {
        float32_le(packed, weights[i]);
        if (put(out, packed, 4) < 0)
            return -1;
    }
    return 0;
}

static unsigned char
length_to_byte(long long length)
{
    /* whoosh.util.numeric.length_to_byte: bisect_left over the table, 255 from 106,374 on */
    if (length >= 106374)
        return 255;
    int low = 0, high = length_table_size;
    while (low < high) {
        int middle = (low + high) / 2;
        if (length_table[middle] < length)
            low = middle + 1;
        else
            high = middle;
    }
    return (unsigned char)low;
}

static int
get_buffer(PyObject *object, Py_buffer *view, Py_ssize_t itemsize, const char *name)
{
    if (PyObject_GetBuffer(object, view, PyBUF_SIMPLE) < 0)
        return -1;
    if (view->len % itemsize) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_ValueError, "%s: not an array of %zd-byte items", name, itemsize);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(one_block_term_doc,
"one_block_term(docnums, weights, value_lengths, values, field_lengths, narrow, fixed, level, compress)\n"
"-> (record, min length byte, max length byte, max weight) or None\n\n"
"codec.CompactFieldWriter._add_one_block_term's record of a term whose postings fit one block,\n"
"and its row's length bytes and highest weight: docnums, value_lengths and field_lengths\n"
"(None: every length 0) are arrays of 'I', weights of 'f'; fixed is the format's fixed value\n"
"size (-1: none); compress(data, count, level) makes the deflated record (codec.deflated_record).\n"
"None for a block it does not write (the caller's Python does).");

static PyObject *
one_block_term(PyObject *self, PyObject *args)
{
    PyObject *docnums_object, *weights_object, *lengths_object, *values_object, *field_lengths_object, *compress;
    int narrow, fixed, level;
    if (!PyArg_ParseTuple(args, "OOOOOpiiO", &docnums_object, &weights_object, &lengths_object, &values_object,
                          &field_lengths_object, &narrow, &fixed, &level, &compress))
        return NULL;
    Py_buffer ids_view = {0}, weights_view = {0}, lengths_view = {0}, values_view = {0}, field_view = {0};
    Buffer out = {0};
    PyObject *result = NULL;
    if (get_buffer(docnums_object, &ids_view, 4, "docnums") < 0)
        return NULL;
    if (get_buffer(weights_object, &weights_view, 4, "weights") < 0)
        goto done;
    if (get_buffer(lengths_object, &lengths_view, 4, "value_lengths") < 0)
        goto done;
    if (get_buffer(values_object, &values_view, 1, "values") < 0)
        goto done;
    if (field_lengths_object != Py_None && get_buffer(field_lengths_object, &field_view, 4, "field_lengths") < 0)
        goto done;
    Py_ssize_t count = ids_view.len / 4;
    const uint32_t *ids = ids_view.buf, *lengths = lengths_view.buf;
    const float *weights = weights_view.buf;
    if (count == 0 || weights_view.len / 4 != count || lengths_view.len / 4 != count) {
        PyErr_SetString(PyExc_ValueError, "a term's postings: as many weights and value lengths as documents, at least one");
        goto done;
    }
    int positions = narrow && lengths[0] != NO_VALUE;
    for (Py_ssize_t i = 0; positions && i < count; i++)
        positions = lengths[i] != 0;
    if (!positions && !(fixed == 0 && !narrow)) {
        result = Py_NewRef(Py_None); /* another layout: the Python encoder writes it */
        goto done;
    }
    if (put_byte(&out, 0) < 0 || ids_and_weights(&out, ids, weights, count) < 0) /* the level byte, set below */
        goto done;
    if (positions) { /* codec._narrow_tail: counts (0 when they are the weights), then the positions */
        int counts_are_weights = 1;
        uint64_t total = 0;
        for (Py_ssize_t i = 0; i < count; i++) {
            counts_are_weights &= (double)(lengths[i] >> 2) == (double)weights[i];
            total += lengths[i] >> 2;
        }
        if (total * 4 != (uint64_t)values_view.len) {
            PyErr_SetString(PyExc_ValueError, "the values are not the value lengths' positions");
            goto done;
        }
        if (counts_are_weights ? put_byte(&out, 0) : pack_array(&out, count, count_at, lengths))
            goto done;
        if (pack_array(&out, (Py_ssize_t)total, position_at, values_view.buf) < 0)
            goto done;
    }
    unsigned char min_byte = 0, max_byte = 0;
    long long shortest = -1, longest = 0;
    double max_weight = 0.0;
    const uint32_t *field_lengths = field_view.buf;
    Py_ssize_t documents = field_lengths_object == Py_None ? 0 : field_view.len / 4;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (weights[i] > max_weight)
            max_weight = weights[i];
        if (field_lengths_object == Py_None)
            continue;
        if (ids[i] >= (uint64_t)documents) {
            PyErr_Format(PyExc_IndexError, "document %u has no field length", ids[i]);
            goto done;
        }
        long long length = field_lengths[ids[i]];
        if (length) {
            if (shortest < 0 || length < shortest)
                shortest = length;
            if (length > longest)
                longest = length;
        }
    }
    min_byte = shortest < 0 ? 0 : length_to_byte(shortest);
    max_byte = length_to_byte(longest);
    PyObject *record;
    Py_ssize_t data_size = out.size - 1;
    if (data_size >= MIN_COMPRESSED_BYTES && level) { /* codec.deflated_record: one stream, or two */
        PyObject *data = PyBytes_FromStringAndSize((const char *)out.data + 1, data_size);
        if (data == NULL)
            goto done;
        record = PyObject_CallFunction(compress, "Oni", data, count, level);
        Py_DECREF(data);
        if (record != NULL && !PyBytes_Check(record)) {
            Py_SETREF(record, NULL);
            PyErr_SetString(PyExc_TypeError, "one_block_term: the deflated record must be bytes");
        }
    } else {
        out.data[0] = 0;
        record = PyBytes_FromStringAndSize((const char *)out.data, out.size);
    }
    if (record == NULL)
        goto done;
    result = Py_BuildValue("NBBd", record, min_byte, max_byte, max_weight);
done:
    PyMem_Free(out.data);
    PyBuffer_Release(&ids_view);
    if (weights_view.obj)
        PyBuffer_Release(&weights_view);
    if (lengths_view.obj)
        PyBuffer_Release(&lengths_view);
    if (values_view.obj)
        PyBuffer_Release(&values_view);
    if (field_view.obj)
        PyBuffer_Release(&field_view);
    return result;
}

static int
put_varint(Buffer *out, uint64_t n)
{
    unsigned char bytes[10];
    int size = 0;
    while (n >= 0x80) {
        bytes[size++] = (unsigned char)((n & 0x7F) | 0x80);
        n >>= 7;
    }
    bytes[size++] = (unsigned char)n;
    return put(out, bytes, size);
}

/* terms._weight, and add_stats's shortcut before it: a float32 weight as a varint when it is a
 * whole number that comes back as the same bytes (not -0.0), else its four big-endian bytes.
 * 1: written whole; 0: written as bytes; -1: an error; -2: a whole number beyond 64 bits, whose
 * varint the Python writes. */
static int
put_weight(Buffer *out, double weight)
{
    float single = (float)weight;
    if (isfinite(single) && single >= 0.0f && !signbit(single) && single == truncf(single)) {
        if (single >= 18446744073709551616.0f)
            return -2;
        return put_varint(out, (uint64_t)single) < 0 ? -1 : 1;
    }
    uint32_t bits;
    memcpy(&bits, &single, 4);
    unsigned char packed[4] = {bits >> 24, bits >> 16, bits >> 8, bits};
    return put(out, packed, 4) < 0 ? -1 : 0;
}

PyDoc_STRVAR(term_row_doc,
"term_row(key, shared, weight, docfreq, min_byte, max_byte, max_weight, first, last, offset, length)\n"
"-> bytes or None\n\n"
"terms.TermDictionaryWriter.add_stats's packed row (offset counted from the block's base, last >=\n"
"first), after `shared` bytes of the key the row before has; None where the Python must write it.");

/* A whole number of 64 bits: 1, or 0 for any other (a negative or larger int, which the Python
 * writes or refuses: "K" would wrap it silently). */
static int
unsigned_64(PyObject *number, unsigned long long *out)
{
    if (!PyLong_Check(number))
        return 0;
    *out = PyLong_AsUnsignedLongLong(number);
    if (*out == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

static PyObject *
term_row(PyObject *self, PyObject *args)
{
    const char *key;
    Py_ssize_t key_size, shared;
    double weight, max_weight;
    PyObject *numbers[5];
    unsigned long long docfreq, first, last, offset, length;
    unsigned char min_byte, max_byte;
    if (!PyArg_ParseTuple(args, "y#ndObbdOOOO", &key, &key_size, &shared, &weight, &numbers[0], &min_byte,
                          &max_byte, &max_weight, &numbers[1], &numbers[2], &numbers[3], &numbers[4]))
        return NULL;
    if (!unsigned_64(numbers[0], &docfreq) || !unsigned_64(numbers[1], &first) || !unsigned_64(numbers[2], &last) ||
        !unsigned_64(numbers[3], &offset) || !unsigned_64(numbers[4], &length))
        Py_RETURN_NONE;
    if (shared < 0 || shared > key_size || last < first) {
        PyErr_SetString(PyExc_ValueError, "term_row: shared beyond the key, or last before first");
        return NULL;
    }
    /* a weight beyond float32's range overflows struct.pack in Python: let it raise there */
    if (!(fabs(weight) <= 3.4028234663852886e38) || !(fabs(max_weight) <= 3.4028234663852886e38))
        Py_RETURN_NONE;
    Buffer info = {0}, row = {0};
    PyObject *result = NULL;
    int tag = 0, whole;
    if (put_byte(&info, 0) < 0 || (whole = put_weight(&info, weight)) == -1)
        goto done;
    if (whole == -2)
        goto python;
    tag |= whole ? ROW_WHOLE_WEIGHT : 0;
    if (put_varint(&info, docfreq) < 0 || put_byte(&info, min_byte) < 0 || put_byte(&info, max_byte) < 0 ||
        (whole = put_weight(&info, max_weight)) == -1)
        goto done;
    if (whole == -2)
        goto python;
    tag |= whole ? ROW_WHOLE_MAX_WEIGHT : 0;
    if (put_varint(&info, first) < 0 || put_varint(&info, last - first) < 0 ||
        put_varint(&info, offset) < 0 || put_varint(&info, length) < 0)
        goto done;
    info.data[0] = (unsigned char)tag;
    if (put_varint(&row, shared) < 0 || put_varint(&row, key_size - shared) < 0 || put_varint(&row, info.size) < 0 ||
        put(&row, key + shared, key_size - shared) < 0 || put(&row, info.data, info.size) < 0)
        goto done;
    result = PyBytes_FromStringAndSize((const char *)row.data, row.size);
    goto done;
python:
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(info.data);
    PyMem_Free(row.data);
    return result;
}

PyDoc_STRVAR(term_extent_doc,
"term_extent(block, key, base) -> (flags, document frequency, postings offset, postings length)\n"
"\n"
"terms.TermDictionaryReader.extent in one call: the row of ``key`` in one block of the term\n"
"dictionary, or None if the block does not hold it; NotImplemented for a row it does not read\n"
"(a key longer than 1,024 bytes, a number beyond 63 bits, a row running past the block), which\n"
"the Python then reads.");

static PyObject *
term_extent(PyObject *self, PyObject *args)
{
    Py_buffer block, key;
    unsigned long long base;
    if (!PyArg_ParseTuple(args, "y*y*K", &block, &key, &base))
        return NULL;
    Extent extent;
    int found = find_extent(block.buf, block.len, key.buf, key.len, base, &extent);
    PyBuffer_Release(&block);
    PyBuffer_Release(&key);
    if (found < 0)
        Py_RETURN_NOTIMPLEMENTED;
    if (found == 0)
        Py_RETURN_NONE;
    return Py_BuildValue("iKLL", extent.flags, (unsigned long long)extent.docfreq, (long long)extent.offset,
                         (long long)extent.length);
}

PyDoc_STRVAR(block_extents_doc,
"block_extents(block, base) -> [(key, flags, document frequency, postings offset, postings length), ...]\n"
"\n"
"terms.TermDictionaryReader.extents_from's rows of one block of the term dictionary in one call;\n"
"NotImplemented where a row is not read here (see term_extent), which the Python then reads.");

static PyObject *
block_extents(PyObject *self, PyObject *args)
{
    Py_buffer block;
    unsigned long long base;
    if (!PyArg_ParseTuple(args, "y*K", &block, &base))
        return NULL;
    const unsigned char *data = block.buf;
    unsigned char key[MAX_KEY];
    Py_ssize_t pos = 0, key_size = 0, row_end;
    PyObject *rows = PyList_New(0);
    while (rows != NULL && pos < block.len) {
        Extent extent;
        if (next_row(data, block.len, &pos, key, &key_size, &row_end) < 0
            || read_row(data, pos, row_end, base, &extent) < 0) {
            Py_SETREF(rows, Py_NewRef(Py_NotImplemented));
            break;
        }
        PyObject *row = Py_BuildValue("y#iKLL", (const char *)key, key_size, extent.flags,
                                      (unsigned long long)extent.docfreq, (long long)extent.offset,
                                      (long long)extent.length);
        if (row == NULL || PyList_Append(rows, row) < 0)
            Py_CLEAR(rows);
        Py_XDECREF(row);
        pos = row_end;
    }
    PyBuffer_Release(&block);
    return rows;
}

static PyObject *
set_length_table(PyObject *self, PyObject *sequence)
{
    PyObject *items = PySequence_Fast(sequence, "the length table is a sequence");
    if (items == NULL)
        return NULL;
    Py_ssize_t size = PySequence_Fast_GET_SIZE(items);
    if (size > 256) {
        Py_DECREF(items);
        PyErr_SetString(PyExc_ValueError, "the length table has at most 256 entries");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        long value = PyLong_AsLong(PySequence_Fast_GET_ITEM(items, i));
        if (value == -1 && PyErr_Occurred()) {
            Py_DECREF(items);
            return NULL;
        }
        length_table[i] = (int32_t)value;
    }
    length_table_size = (int)size;
    Py_DECREF(items);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"one_block_term", one_block_term, METH_VARARGS, one_block_term_doc},
    {"term_row", term_row, METH_VARARGS, term_row_doc},
    {"term_extent", term_extent, METH_VARARGS, term_extent_doc},
    {"block_extents", block_extents, METH_VARARGS, block_extents_doc},
    {"set_length_table", set_length_table, METH_O, "whoosh.util.numeric._length_byte_cache, once."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_postings",
    "A term's one-block postings record and its term-dictionary row in compiled code (see codec.py).", -1, methods,
};

PyMODINIT_FUNC
PyInit__postings(void)
{
    PyObject *made = PyModule_Create(&module);
    /* 2: one_block_term calls back compress(data, count, level) for the whole record (the eleventh
     * pass); codec.py leaves a module built before it unused rather than call it wrongly */
    if (made != NULL && PyModule_AddIntConstant(made, "RECORD_API", 2) < 0) {
        Py_DECREF(made);
        return NULL;
    }
    return made;
}
