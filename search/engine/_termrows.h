/* A row of the term dictionary (terms.py) found and read in compiled code: shared by
 * _postings.term_extent (one segment's block) and _columnar.gather (a term in every segment).
 *
 * A block holds up to terms.BLOCK_ROWS rows, each the length of the key it shares with the row
 * before, the rest of the key, and the row's numbers (terms._pack_info), or Whoosh's own 35
 * bytes after a _RAW tag. What is not read here (a number beyond 63 bits, a row running past the
 * block, a key longer than MAX_KEY) is left to the Python, which reads it or raises. */
#ifndef ARCHIVE_TERMROWS_H
#define ARCHIVE_TERMROWS_H

#include <stdint.h>
#include <string.h>

#define MAX_KEY 1024
#define RAW_ROW 0x80 /* terms._RAW */
enum { ROW_WHOLE_WEIGHT = 1, ROW_WHOLE_MAX_WEIGHT = 2 }; /* terms._WHOLE_WEIGHT, _WHOLE_MAX_WEIGHT */

/* One varint, or -1 if it runs past the end or beyond 63 bits. */
static int
get_varint(const unsigned char *data, Py_ssize_t end, Py_ssize_t *pos, uint64_t *value)
{
    uint64_t result = 0;
    int shift = 0;
    while (*pos < end) {
        unsigned char byte = data[(*pos)++];
        if (shift > 56 && (byte >> (63 - shift)) != 0)
            return -1;
        result |= (uint64_t)(byte & 0x7F) << shift;
        if (byte < 0x80) {
            *value = result;
            return 0;
        }
        shift += 7;
        if (shift > 63)
            return -1;
    }
    return -1;
}

static int
skip_weight(const unsigned char *data, Py_ssize_t end, Py_ssize_t *pos, int whole)
{
    if (!whole) {
        *pos += 4;
        return *pos <= end ? 0 : -1;
    }
    /* a whole weight beyond 63 bits is left to the Python, which packs it as a float32 (or
     * fails to, as its get does) */
    uint64_t ignored;
    return get_varint(data, end, pos, &ignored);
}

static uint64_t
big_endian(const unsigned char *bytes, int size)
{
    uint64_t value = 0;
    for (int i = 0; i < size; i++)
        value = (value << 8) | bytes[i];
    return value;
}

/* What a query needs of a row: terms.TermDictionaryReader.extent's four numbers. */
typedef struct {
    int flags;
    uint64_t docfreq;
    int64_t offset, length;
} Extent;

/* Compares a key with `wanted` as Python compares bytes. */
static int
compare_keys(const unsigned char *key, Py_ssize_t key_size, const unsigned char *wanted, Py_ssize_t wanted_size)
{
    Py_ssize_t common = key_size < wanted_size ? key_size : wanted_size;
    int order = memcmp(key, wanted, (size_t)common);
    if (order == 0)
        order = key_size < wanted_size ? -1 : key_size > wanted_size;
    return order;
}

/* The numbers of the row at data[at:row_end] (`base`: the block's first postings offset): 0
 * with *out filled, -1 for what the Python is left to read. */
static int
read_row(const unsigned char *data, Py_ssize_t at, Py_ssize_t row_end, uint64_t base, Extent *out)
{
    if (row_end - at < 1)
        return -1;
    unsigned char tag = data[at++];
    if (tag == RAW_ROW) { /* Whoosh's row: flags, weight, docfreq … offset (8 bytes), length (4) */
        if (row_end - at != 35)
            return -1;
        const unsigned char *row = data + at;
        out->flags = row[0];
        out->docfreq = big_endian(row + 5, 4);
        out->offset = (int64_t)big_endian(row + 23, 8);
        out->length = (int32_t)big_endian(row + 31, 4);
        return 0;
    }
    uint64_t docfreq, first, span, offset, length;
    if (skip_weight(data, row_end, &at, tag & ROW_WHOLE_WEIGHT) < 0
        || get_varint(data, row_end, &at, &docfreq) < 0 || (at += 2) > row_end
        || skip_weight(data, row_end, &at, tag & ROW_WHOLE_MAX_WEIGHT) < 0
        || get_varint(data, row_end, &at, &first) < 0 || get_varint(data, row_end, &at, &span) < 0
        || get_varint(data, row_end, &at, &offset) < 0 || get_varint(data, row_end, &at, &length) < 0
        || docfreq > 0xFFFFFFFFu || first > 0xFFFFFFFFu || span > 0xFFFFFFFFu - first
        || length > 0x7FFFFFFFu || base > (uint64_t)INT64_MAX || offset > (uint64_t)INT64_MAX - base)
        return -1;
    out->flags = 0;
    out->docfreq = docfreq;
    out->offset = (int64_t)(base + offset);
    out->length = (int64_t)length;
    return 0;
}

/* The next row's key (into `key`, which holds the row before's) and where its numbers end:
 * 0 with *pos at its numbers, -1 for what the Python is left to read. */
static int
next_row(const unsigned char *data, Py_ssize_t end, Py_ssize_t *pos, unsigned char *key, Py_ssize_t *key_size,
         Py_ssize_t *row_end)
{
    uint64_t shared, rest, size;
    if (get_varint(data, end, pos, &shared) < 0 || get_varint(data, end, pos, &rest) < 0
        || get_varint(data, end, pos, &size) < 0)
        return -1;
    if (shared > (uint64_t)*key_size || rest > (uint64_t)MAX_KEY || shared + rest > MAX_KEY
        || rest > (uint64_t)(end - *pos) || size > (uint64_t)(end - *pos - (Py_ssize_t)rest))
        return -1;
    memcpy(key + shared, data + *pos, rest);
    *key_size = (Py_ssize_t)(shared + rest);
    *pos += (Py_ssize_t)rest;
    *row_end = *pos + (Py_ssize_t)size;
    return 0;
}

/* The row of `wanted` in one block (`base`: the block's first postings offset): 1 with *out
 * filled, 0 if the block does not hold the key, -1 for what the Python is left to read. */
static int
find_extent(const unsigned char *data, Py_ssize_t end, const unsigned char *wanted, Py_ssize_t wanted_size,
            uint64_t base, Extent *out)
{
    unsigned char key[MAX_KEY];
    Py_ssize_t pos = 0, key_size = 0, row_end;
    if (wanted_size > MAX_KEY)
        return -1;
    while (pos < end) {
        if (next_row(data, end, &pos, key, &key_size, &row_end) < 0)
            return -1;
        int order = compare_keys(key, key_size, wanted, wanted_size);
        if (order > 0)
            return 0;
        if (order < 0) {
            pos = row_end;
            continue;
        }
        return read_row(data, pos, row_end, base, out) < 0 ? -1 : 1;
    }
    return 0;
}

#endif
