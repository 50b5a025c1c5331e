/* A query's posting lists read, scored and intersected in compiled code (columnar.py).
 *
 * A query reads each of its terms' posting lists in every segment: a common word at 150,000
 * articles is a few hundred blocks in 32 segments, and in Python each block cost a zlib call and
 * half a dozen numpy calls (columnar._blocks, _inflated, _decode), each segment a dozen more,
 * then a concatenate. `decode` walks one term's bytes in one segment (a one-block record or a
 * Whoosh3 list of blocks, every layout codec.encode_block writes) and fills the four arrays the
 * Python makes, as buffers numpy reads in place; `gather` finds the term in every segment's
 * dictionary (_termrows.h) and decodes all of them into one set of arrays; `gather_scored`
 * scores each block as it is decoded. `phrase_keys` makes and intersects a literal's position
 * keys a gram at a time, and `combine_clauses` combines a plan's scored lists in one call.
 * The Python stays the reference and the fallback: for anything it does not read as the codec
 * writes it (a torn block, an unknown type code), a function returns None or NotImplemented and
 * the Python reads it, raising what it raises. tests/search/test_columnar_compiled.py and
 * test_columnar_gather.py compare the two.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <zlib.h>

#include "_termrows.h"

enum { WEIGHTS_ALL_ONE, WEIGHTS_ONE_VALUE, WEIGHTS_BYTES, WEIGHTS_FLOATS };
#define BLOCK_INFO_SIZE 15 /* codec._BLOCK_INFO: "<IIfBBB" */
static const unsigned char MAGIC[4] = {'W', '3', 'B', 'l'}; /* whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC */

typedef struct {
    unsigned char *data;
    size_t size, capacity;
} Bytes; /* raw memory: filled with the GIL released */

/* `data` with room for `wanted` items of `item` bytes, its room (*capacity items) doubled from
 * `first` until they fit; NULL (and `data` left as it was) when memory runs out. Raw memory, so
 * callable with the GIL released. */
static void *
grow(void *data, size_t *capacity, size_t wanted, size_t item, size_t first)
{
    if (wanted <= *capacity)
        return data;
    size_t room = *capacity ? *capacity : first;
    while (room < wanted)
        room *= 2;
    void *grown = PyMem_RawRealloc(data, room * item);
    if (grown != NULL)
        *capacity = room;
    return grown;
}

static int
reserve(Bytes *buffer, size_t wanted)
{
    unsigned char *data = grow(buffer->data, &buffer->capacity, wanted, 1, 4096);
    if (data == NULL)
        return -1;
    buffer->data = data;
    return 0;
}

/* One block's postings, in the arrays being filled. */
typedef struct {
    int64_t *docs;
    double *weights;
    int64_t *counts; /* NULL without positions */
    Bytes *positions; /* int64s, appended */
    uint32_t *scratch; /* room for a block's numbers */
    size_t scratch_size;
} Out;

static int
item_size(unsigned char code)
{
    switch (code) {
    case 'B': return 1;
    case 'H': case 'h': return 2;
    case 'I': case 'i': return 4;
    default: return 0;
    }
}

/* codec.read_array / columnar._array: the `count` numbers whose type code is at `*end`, into
 * `out`; `*end` moves past them. -1 if the bytes are not there or the code is unknown. */
static int
read_numbers(const unsigned char *body, size_t size, size_t *end, size_t count, uint32_t *out)
{
    if (*end >= size)
        return -1;
    unsigned char code = body[*end];
    int width = item_size(code);
    if (!width)
        return -1;
    size_t start = *end + 1;
    if (count > (size - start) / (size_t)width)
        return -1;
    const unsigned char *p = body + start;
    switch (code) {
    case 'B':
        for (size_t i = 0; i < count; i++)
            out[i] = p[i];
        break;
    case 'H':
        for (size_t i = 0; i < count; i++)
            out[i] = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        break;
    case 'I': /* as a split block's head is made (unpack_head): a copy on a little-endian machine */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(out, p, count * 4);
#else
        for (size_t i = 0; i < count; i++)
            out[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
                     (uint32_t)p[4 * i + 3] << 24;
#endif
        break;
    case 'h': /* byte planes: every number's low byte, then every high byte */
        for (size_t i = 0; i < count; i++)
            out[i] = (uint32_t)p[i] | (uint32_t)p[count + i] << 8;
        break;
    case 'i':
        for (size_t i = 0; i < count; i++)
            out[i] = (uint32_t)p[i] | (uint32_t)p[count + i] << 8 | (uint32_t)p[2 * count + i] << 16 |
                     (uint32_t)p[3 * count + i] << 24;
        break;
    }
    *end = start + count * (size_t)width;
    return 0;
}

static uint32_t
uint32_at(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float
float32_at(const unsigned char *p)
{
    uint32_t bits = uint32_at(p);
    float value;
    memcpy(&value, &bits, 4);
    return value;
}

static int
scratch_for(Out *out, size_t count)
{
    uint32_t *scratch = grow(out->scratch, &out->scratch_size, count, sizeof(uint32_t), 1024);
    if (scratch == NULL)
        return -1;
    out->scratch = scratch;
    return 0;
}

/* The bytes a block's head (deltas, weight flag, weights) takes, from what of it is known:
 * 0 while more is needed to tell, else the total. columnar._inflate_head's three steps. */
static size_t
head_size(const unsigned char *body, size_t have, size_t count)
{
    if (have < 1)
        return 0;
    int width = item_size(body[0]);
    if (!width)
        return (size_t)-1;
    size_t flag_end = 1 + count * (size_t)width + 1;
    if (have < flag_end)
        return flag_end;
    unsigned char flag = body[flag_end - 1];
    size_t weights = flag == WEIGHTS_ALL_ONE ? 0 : flag == WEIGHTS_ONE_VALUE ? 4 : flag == WEIGHTS_BYTES ? count
                                                                                             : 4 * count;
    return flag_end + weights;
}

/* Whether a zlib stream's two-byte header is one zlib itself accepts (deflate, a window of at
 * most 32 KB, no preset dictionary, the check bits right). */
static int
zlib_header(const unsigned char *data, size_t size)
{
    return size >= 2 && (data[0] & 0x0f) == Z_DEFLATED && (data[0] >> 4) <= 7 && !(data[1] & 0x20) &&
           ((unsigned)data[0] << 8 | data[1]) % 31 == 0;
}

/* Inflates `data` into `into`: whole (`whole`), or only the block's head, as columnar._inflated
 * does. Returns the bytes made, or -1 where zlib.decompress would fail (or memory runs out).
 * `stream` is a raw inflater (no header, no checksum): the header is checked here, and the
 * Adler-32 checksum of the output only when the stream ends, as zlib's would be; a head read
 * without the rest (most queries) then skips a running checksum that was a tenth of its time. */
static Py_ssize_t
inflate_stream(z_stream *stream, const unsigned char *data, size_t size, Bytes *into, size_t at, int whole,
               size_t count)
{
    if (size > UINT_MAX || !zlib_header(data, size) || inflateReset(stream) != Z_OK)
        return -1; /* zlib counts in 32 bits: no block is so large */
    stream->next_in = (unsigned char *)data + 2;
    stream->avail_in = (uInt)(size - 2);
    size_t made = 0;
    size_t wanted = whole ? (size * 4 > 1024 ? size * 4 : 1024) : 1;
    for (;;) {
        if (wanted - made > UINT_MAX || at > SIZE_MAX - wanted || reserve(into, at + wanted) < 0)
            return -1;
        stream->next_out = into->data + at + made;
        stream->avail_out = (uInt)(wanted - made);
        int status = inflate(stream, Z_NO_FLUSH);
        made = wanted - stream->avail_out;
        if (status == Z_STREAM_END) {
            /* the checksum after the deflated data, big-endian, over everything inflated */
            const unsigned char *t = stream->next_in;
            if (stream->avail_in < 4) /* zlib would wait for the rest: the head's decompressobj answers */
                return whole ? -1 : (Py_ssize_t)made;
            if (adler32_z(adler32(0L, Z_NULL, 0), into->data + at, made) !=
                                            ((uLong)t[0] << 24 | (uLong)t[1] << 16 | (uLong)t[2] << 8 | t[3]))
                return -1; /* zlib.decompress raises (a torn stream, or a bad checksum) */
            return (Py_ssize_t)made;
        }
        if (status != Z_OK && status != Z_BUF_ERROR)
            return -1; /* corrupt: zlib.decompress and the head's decompressobj raise */
        if (status == Z_BUF_ERROR && stream->avail_out != 0)
            return whole ? -1 : (Py_ssize_t)made; /* cut short: the head's decoding finds what is missing */
        if (whole) {
            if (stream->avail_out == 0)
                wanted *= 2;
            else if (stream->avail_in == 0)
                return -1; /* a truncated stream: zlib.decompress raises */
            continue;
        }
        if (made < wanted) /* the stream gave what it had */
            break;
        size_t next = head_size(into->data + at, made, count);
        if (next == (size_t)-1 || next <= made)
            break;
        wanted = next;
    }
    return (Py_ssize_t)made;
}

#define SPLIT 0x10 /* codec.SPLIT: a level byte whose block's head is bit-packed, its rest deflated */
#define FRAME 32     /* codec._FRAME */

/* Writes `value` as `stride` (4 or 1) little-endian bytes; 0 if it does not fit. */
static inline int
put_number(unsigned char *into, uint32_t value, int stride)
{
    if (stride == 1) {
        into[0] = (unsigned char)value;
        return value <= 255;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(into, &value, 4);
#else
    into[0] = (unsigned char)value;
    into[1] = (unsigned char)(value >> 8);
    into[2] = (unsigned char)(value >> 16);
    into[3] = (unsigned char)(value >> 24);
#endif
    return 1;
}

/* One frame's `n` numbers (at most FRAME) of `width` bits (at most 32) from `frame` into
 * `values`; `available` is the bytes from the frame on, at least its 4 * width. A number's bits
 * are read with one 8-byte load where 8 bytes are there to read (all but the end of the
 * buffer), else a byte at a time. */
static inline __attribute__((always_inline)) void
unpack_frame(const unsigned char *frame, size_t available, unsigned width, size_t n, uint32_t *values)
{
    uint64_t mask = width == 32 ? 0xFFFFFFFFu : ((uint64_t)1 << width) - 1;
    size_t frame_bytes = 4 * (size_t)width;
    if (available >= frame_bytes + 8) {
        for (size_t j = 0, bit = 0; j < n; j++, bit += width) {
            uint64_t word;
            memcpy(&word, frame + (bit >> 3), 8);
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
            word = __builtin_bswap64(word);
#endif
            values[j] = (uint32_t)((word >> (bit & 7)) & mask);
        }
    } else {
        for (size_t j = 0, bit = 0; j < n; j++, bit += width) {
            size_t byte = bit >> 3;
            uint64_t word = 0;
            for (size_t k = 0; k < 5 && byte + k < frame_bytes; k++)
                word |= (uint64_t)frame[byte + k] << (8 * k);
            values[j] = (uint32_t)((word >> (bit & 7)) & mask);
        }
    }
}

/* The frame at p[*at], holding numbers `start` on of `count`, unpacked into `values`: how many
 * it holds (at most FRAME), *at moved past it; -1 if the bytes are cut short or the frame's width
 * is above 32. */
static inline __attribute__((always_inline)) Py_ssize_t
next_frame(const unsigned char *p, size_t size, size_t *at, size_t count, size_t start, uint32_t *values)
{
    if (*at >= size)
        return -1;
    unsigned width = p[(*at)++];
    if (width > 32 || 4 * (size_t)width > size - *at)
        return -1;
    size_t n = count - start < FRAME ? count - start : FRAME;
    unpack_frame(p + *at, size - *at, width, n, values);
    *at += 4 * (size_t)width;
    return (Py_ssize_t)n;
}

/* codec.unpack_bits: `count` numbers bit-packed a frame of 32 at a time from p[*at] on, each
 * written as `stride` bytes (4 or 1), little-endian, at `out`; *at moves past them. -1 if the
 * bytes are cut short, a frame is wider than 32 bits, or (stride 1) a number is above 255. */
static int
unpack_bits(const unsigned char *p, size_t size, size_t *at, size_t count, unsigned char *out, int stride)
{
    size_t pos = *at;
    uint32_t values[FRAME];
    for (size_t done = 0; done < count; done += FRAME) {
        Py_ssize_t n = next_frame(p, size, &pos, count, done, values);
        if (n < 0)
            return -1;
        unsigned char *into = out + done * (size_t)stride;
        int fits = 1;
        for (Py_ssize_t j = 0; j < n; j++)
            fits &= put_number(into + (size_t)j * (size_t)stride, values[j], stride);
        if (!fits)
            return -1;
    }
    *at = pos;
    return 0;
}

/* codec.unpack_head: a bit-packed head of `count` postings, made into encode_block's head in
 * `into` (the gaps as a plain "I" array, the weight flag, the weights). The bytes made, or -1
 * where the Python raises. */
static Py_ssize_t
unpack_head(const unsigned char *p, size_t size, size_t count, Bytes *into)
{
    if (size < 1 || count > (SIZE_MAX - 16) / 8)
        return -1;
    /* every frame of 32 takes at least its width byte: a count beyond is a torn row or header,
     * refused before room is made for it */
    if ((count + FRAME - 1) / FRAME > size - 1)
        return -1;
    unsigned char flag = p[0];
    size_t weights = flag == WEIGHTS_ALL_ONE ? 0 : flag == WEIGHTS_ONE_VALUE ? 4 : flag == WEIGHTS_BYTES ? count
                   : flag == WEIGHTS_FLOATS ? 4 * count : (size_t)-1;
    if (weights == (size_t)-1)
        return -1;
    size_t made = 1 + 4 * count + 1 + weights, at = 1;
    if (reserve(into, made) < 0)
        return -1;
    unsigned char *out = into->data;
    out[0] = 'I';
    if (unpack_bits(p, size, &at, count, out + 1, 4) < 0)
        return -1;
    out[1 + 4 * count] = flag;
    unsigned char *weights_at = out + 2 + 4 * count;
    if (flag == WEIGHTS_BYTES) {
        if (unpack_bits(p, size, &at, count, weights_at, 1) < 0)
            return -1;
    } else if (weights) {
        if (weights > size - at)
            return -1;
        memcpy(weights_at, p + at, weights);
        at += weights;
    }
    return at == size ? (Py_ssize_t)made : -1; /* bytes left over: the Python raises */
}

/* A block's bytes as codec.deflate_block wrote them at `level` (not 0), made into `into` as
 * codec.inflate_block makes them: whole, or at least the head (the start of one stream, or a
 * split block's bit-packed head alone). The bytes made, or -1 where the Python raises. */
static Py_ssize_t
inflate_block(z_stream *stream, const unsigned char *data, size_t size, unsigned char level, Bytes *into,
              int whole, size_t count)
{
    if (!(level & SPLIT))
        return inflate_stream(stream, data, size, into, 0, whole, count);
    if (size < 4)
        return -1;
    size_t first = uint32_at(data);
    if (first > size - 4)
        return -1;
    Py_ssize_t head = unpack_head(data + 4, first, count, into);
    if (head < 0 || !whole || first == size - 4)
        return head;
    Py_ssize_t rest = inflate_stream(stream, data + 4 + first, size - 4 - first, into, (size_t)head, 1, count);
    return rest < 0 ? -1 : head + rest;
}

/* A block's weights as its flag says, from p[*at] on (`size` bytes in all), but for a byte each:
 * none (all 1.0), one float for all, or a float each (any other flag); *at moves past them. -1
 * if the bytes are cut short. */
static int
unpacked_weights(unsigned char flag, const unsigned char *p, size_t size, size_t *at, size_t count,
                 double *weights)
{
    if (flag == WEIGHTS_ALL_ONE) {
        for (size_t i = 0; i < count; i++)
            weights[i] = 1.0;
    } else if (flag == WEIGHTS_ONE_VALUE) {
        if (size - *at < 4)
            return -1;
        double value = float32_at(p + *at);
        for (size_t i = 0; i < count; i++)
            weights[i] = value;
        *at += 4;
    } else {
        if ((size - *at) / 4 < count)
            return -1;
        for (size_t i = 0; i < count; i++)
            weights[i] = float32_at(p + *at + 4 * i);
        *at += 4 * count;
    }
    return 0;
}

/* A split block's bit-packed head decoded straight into the rows at `done` (documents plus
 * `base`, weights), as inflate_block's unpack_head and then decode_block make them, without
 * the plain array between: what a query without positions reads of a long list. -1 wherever
 * unpack_head refuses the bytes. */
static int
decode_packed_head(const unsigned char *data, size_t size, size_t count, size_t done, int64_t base, Out *out)
{
    if (size < 4)
        return -1;
    size_t first = uint32_at(data), at = 1; /* the rows are made: each frame is checked as it is read */
    if (first > size - 4 || first < 1)
        return -1;
    const unsigned char *p = data + 4;
    unsigned char flag = p[0];
    if (flag > WEIGHTS_FLOATS)
        return -1;
    int64_t *docs = out->docs + done;
    double *weights = out->weights + done;
    uint32_t values[FRAME];
    uint64_t id = 0;
    for (size_t start = 0; start < count; start += FRAME) {
        Py_ssize_t n = next_frame(p, first, &at, count, start, values);
        if (n < 0)
            return -1;
        for (Py_ssize_t j = 0; j < n; j++) {
            id += values[j];
            docs[start + (size_t)j] = (int64_t)(id + (uint64_t)base);
        }
    }
    if (flag != WEIGHTS_BYTES) {
        if (unpacked_weights(flag, p, first, &at, count, weights) < 0)
            return -1;
    } else { /* bytes, bit-packed as the gaps are, each at most 255 */
        for (size_t start = 0; start < count; start += FRAME) {
            Py_ssize_t n = next_frame(p, first, &at, count, start, values);
            if (n < 0)
                return -1;
            uint32_t above = 0;
            for (Py_ssize_t j = 0; j < n; j++) {
                above |= values[j] > 255;
                weights[start + (size_t)j] = values[j];
            }
            if (above)
                return -1;
        }
    }
    return at == first ? 0 : -1; /* bytes left over: the Python raises */
}

/* columnar._decode: one block of `count` postings, appended at `done`. */
static int
decode_block(const unsigned char *body, size_t size, size_t count, size_t done, int64_t base, int positions,
             int narrow, Out *out)
{
    size_t end = 0;
    if (scratch_for(out, count) < 0 || read_numbers(body, size, &end, count, out->scratch) < 0)
        return -1;
    uint64_t id = 0;
    int64_t *docs = out->docs + done;
    for (size_t i = 0; i < count; i++) {
        id += out->scratch[i];
        docs[i] = (int64_t)(id + (uint64_t)base);
    }
    if (end >= size)
        return -1;
    unsigned char flag = body[end++];
    double *weights = out->weights + done;
    if (flag == WEIGHTS_BYTES) {
        if (size - end < count)
            return -1;
        for (size_t i = 0; i < count; i++)
            weights[i] = body[end + i];
        end += count;
    } else if (unpacked_weights(flag, body, size, &end, count, weights) < 0) {
        return -1;
    }
    if (!positions)
        return 0;
    int64_t *counts = out->counts + done;
    uint64_t total = 0;
    if (narrow) {
        if (end >= size)
            return -1;
        if (body[end] == 0) { /* the counts are the weights: weights.astype(np.int64) */
            for (size_t i = 0; i < count; i++) {
                if (!(weights[i] >= 0.0 && weights[i] < 4294967296.0))
                    return -1;
                counts[i] = (int64_t)weights[i];
                total += (uint64_t)counts[i];
            }
            end += 1;
        } else {
            if (read_numbers(body, size, &end, count, out->scratch) < 0)
                return -1;
            for (size_t i = 0; i < count; i++) {
                counts[i] = out->scratch[i];
                total += out->scratch[i];
            }
        }
        if (total > size || scratch_for(out, total) < 0 || read_numbers(body, size, &end, total, out->scratch) < 0)
            return -1;
        if (reserve(out->positions, out->positions->size + total * 8) < 0)
            return -1;
        int64_t *found = (int64_t *)(out->positions->data + out->positions->size);
        for (size_t i = 0; i < total; i++)
            found[i] = out->scratch[i];
        out->positions->size += total * 8;
        return 0;
    }
    /* CompactPositions: each posting's length in bytes, then its 32-bit positions */
    if (read_numbers(body, size, &end, count, out->scratch) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        counts[i] = out->scratch[i] / 4;
        total += out->scratch[i];
    }
    total /= 4;
    if (total > (size - end) / 4)
        return -1;
    if (reserve(out->positions, out->positions->size + total * 8) < 0)
        return -1;
    int64_t *found = (int64_t *)(out->positions->data + out->positions->size);
    for (size_t i = 0; i < total; i++)
        found[i] = uint32_at(body + end + 4 * i);
    out->positions->size += total * 8;
    return 0;
}

typedef struct {
    const unsigned char *body;
    size_t size, count;
    unsigned char level;
    uint64_t last; /* its last document (within the segment), from its header; UINT64_MAX: not known */
} Block;

/* Whether `count` postings could be in a block of `size` bytes: at least a byte each, and deflate
 * makes at most 1032 bytes of one. A count beyond (a torn row or block header) is left to the
 * Python, which raises (numpy's "buffer is smaller"), before the arrays of it are asked for. */
static int
plausible(size_t size, size_t count, unsigned char level)
{
    if (level & SPLIT) /* a bit-packed head: at least a byte for each frame of 32 */
        return count / FRAME <= size;
    return level ? count / 1032 <= size : count < size;
}

/* columnar._blocks: a one-block record, or Whoosh's list of blocks. 0, or -1 if the bytes are
 * not such a list (or are cut short). */
static int
find_blocks(const unsigned char *data, size_t size, size_t count, Block **blocks, size_t *nblocks, size_t *total)
{
    if (size < 1)
        return -1;
    if (data[0] != MAGIC[0]) { /* codec.is_one_block_record */
        if (!plausible(size - 1, count, data[0]))
            return -1;
        *blocks = PyMem_RawMalloc(sizeof(Block));
        if (*blocks == NULL)
            return -1;
        (*blocks)[0] = (Block){data + 1, size - 1, count, data[0], UINT64_MAX};
        *nblocks = 1;
        *total = count;
        return 0;
    }
    if (size < 4 || memcmp(data, MAGIC, 4))
        return -1;
    size_t capacity = 16, n = 0, sum = 0, offset = 4;
    Block *found = PyMem_RawMalloc(capacity * sizeof(Block));
    if (found == NULL)
        return -1;
    for (;;) {
        if (size - offset < 4)
            goto fail;
        int32_t length = (int32_t)((uint32_t)data[offset] << 24 | (uint32_t)data[offset + 1] << 16 |
                                   (uint32_t)data[offset + 2] << 8 | (uint32_t)data[offset + 3]);
        offset += 4;
        int last = length < 0;
        int64_t magnitude = length < 0 ? -(int64_t)length : length;
        if ((uint64_t)magnitude < BLOCK_INFO_SIZE || (uint64_t)magnitude > size - offset)
            goto fail;
        const unsigned char *info = data + offset;
        size_t block_count = uint32_at(info);
        if (!plausible((size_t)magnitude - BLOCK_INFO_SIZE, block_count, info[12]))
            goto fail;
        Block *grown = grow(found, &capacity, n + 1, sizeof(Block), 16);
        if (grown == NULL)
            goto fail;
        found = grown;
        found[n++] = (Block){info + BLOCK_INFO_SIZE, (size_t)magnitude - BLOCK_INFO_SIZE, block_count, info[12],
                             uint32_at(info + 4)};
        sum += block_count;
        offset += (size_t)magnitude;
        if (last)
            break;
    }
    *blocks = found;
    *nblocks = n;
    *total = sum;
    return 0;
fail:
    PyMem_RawFree(found);
    return -1;
}

/* The arrays of `total` postings (8 bytes a number) that decode and gather fill: docs and
 * weights, and the position counts with `positions`. -1 with an exception set when memory runs
 * out (the caller releases what was made). */
static int
allocate_rows(size_t total, int positions, PyObject **docs, PyObject **weights, PyObject **counts)
{
    *docs = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(total * 8));
    *weights = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(total * 8));
    if (*docs == NULL || *weights == NULL)
        return -1;
    if (positions && (*counts = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(total * 8))) == NULL)
        return -1;
    return 0;
}

/* One block decoded into the rows at `filled` (documents plus `base`): a split block's head
 * alone straight from its bit-packed numbers when no positions are asked for, else inflated
 * into `scratch` (all of it, or its head) and decoded from there. -1 where the Python raises. */
static int
decode_one_block(z_stream *stream, const Block *block, size_t filled, int64_t base, int positions, int narrow,
                 Out *out, Bytes *scratch)
{
    if (!positions && (block->level & SPLIT))
        return decode_packed_head(block->body, block->size, block->count, filled, base, out);
    const unsigned char *body = block->body;
    size_t size = block->size;
    if (block->level) {
        Py_ssize_t made = inflate_block(stream, body, size, block->level, scratch, positions, block->count);
        if (made < 0)
            return -1;
        body = scratch->data;
        size = (size_t)made;
    }
    return decode_block(body, size, block->count, filled, base, positions, narrow, out);
}

PyDoc_STRVAR(decode_doc,
"decode(data, count, base, positions, narrow) -> (docs, weights, counts, positions) or None\n\n"
"columnar.SegmentView.postings's arrays of one term's postings `data` (a one-block record of\n"
"`count` postings, or Whoosh's list of blocks), as bytearrays of int64 (docs, plus `base`),\n"
"float64 (weights) and int64 (position counts and positions, None without `positions`).\n"
"None where the bytes are not as the codec writes them: the Python then decodes them.");

/* A term's rows as decode makes them: docs (plus base) and weights, with `positions` each
 * posting's count of positions and all of them (raw memory, the caller frees it). */
typedef struct {
    PyObject *docs, *weights, *counts;
    Bytes positions;
    size_t total;
} Rows;

static void
release_rows(Rows *rows)
{
    Py_CLEAR(rows->docs);
    Py_CLEAR(rows->weights);
    Py_CLEAR(rows->counts);
    PyMem_RawFree(rows->positions.data);
    rows->positions = (Bytes){0};
}

/* One term's postings `data` decoded into *rows, the inflating with the GIL released: 1 when
 * decoded, 0 where the bytes are not as the codec writes them (the Python then reads them), -1
 * with an exception set when memory runs out. The caller releases the rows in every case. */
static int
decode_rows(const Py_buffer *view, Py_ssize_t count, long long base, int positions, int narrow, Rows *rows)
{
    Block *blocks = NULL;
    size_t nblocks = 0;
    Bytes scratch = {0};
    Out out = {0};
    int status = 0, failed = 0;
    if (count < 0 || find_blocks(view->buf, (size_t)view->len, (size_t)count, &blocks, &nblocks, &rows->total) < 0 ||
        rows->total > (size_t)PY_SSIZE_T_MAX / 8)
        goto done;
    status = -1;
    if (allocate_rows(rows->total, positions, &rows->docs, &rows->weights, &rows->counts) < 0)
        goto done;
    out.docs = (int64_t *)PyByteArray_AS_STRING(rows->docs);
    out.weights = (double *)PyByteArray_AS_STRING(rows->weights);
    out.counts = positions ? (int64_t *)PyByteArray_AS_STRING(rows->counts) : NULL;
    out.positions = &rows->positions;
    z_stream stream = {0};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
        PyErr_SetString(PyExc_MemoryError, "zlib: no memory for an inflater");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    size_t filled = 0;
    for (size_t b = 0; b < nblocks && !failed; b++) {
        failed = decode_one_block(&stream, &blocks[b], filled, base, positions, narrow, &out, &scratch) < 0;
        filled += blocks[b].count;
    }
    Py_END_ALLOW_THREADS
    inflateEnd(&stream);
    status = failed ? 0 : 1;
done:
    PyMem_RawFree(blocks);
    PyMem_RawFree(scratch.data);
    PyMem_RawFree(out.scratch);
    return status;
}

static PyObject *
decode(PyObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t count;
    long long base;
    int positions, narrow;
    if (!PyArg_ParseTuple(args, "y*nLpp", &view, &count, &base, &positions, &narrow))
        return NULL;
    PyObject *result = NULL, *found = NULL;
    Rows rows = {0};
    int decoded = decode_rows(&view, count, base, positions, narrow, &rows);
    if (decoded == 0)
        result = Py_NewRef(Py_None);
    if (decoded != 1)
        goto done;
    if (positions) {
        found = PyByteArray_FromStringAndSize((const char *)rows.positions.data, (Py_ssize_t)rows.positions.size);
        if (found == NULL)
            goto done;
    }
    result = PyTuple_Pack(4, rows.docs, rows.weights, positions ? rows.counts : Py_None, positions ? found : Py_None);
done:
    Py_XDECREF(found);
    release_rows(&rows);
    PyBuffer_Release(&view);
    return result;
}

/* `count` int64s or doubles narrowed into a new bytearray of 4-byte items; NULL with an
 * exception set when memory runs out, or with none (*too_wide set) when a number does not fit. */
static PyObject *
narrowed(const void *source, size_t count, int floats, int *too_wide)
{
    PyObject *made = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(count * 4));
    if (made == NULL)
        return NULL;
    char *to = PyByteArray_AS_STRING(made);
    if (floats) {
        const double *from = source;
        for (size_t i = 0; i < count; i++) {
            float value = (float)from[i]; /* exact: the codec's weights are float32 or bytes */
            memcpy(to + 4 * i, &value, 4);
        }
        return made;
    }
    const int64_t *from = source;
    for (size_t i = 0; i < count; i++) {
        if (from[i] < 0 || from[i] > (int64_t)UINT32_MAX) {
            *too_wide = 1;
            Py_DECREF(made);
            return NULL;
        }
        uint32_t value = (uint32_t)from[i];
        memcpy(to + 4 * i, &value, 4);
    }
    return made;
}

PyDoc_STRVAR(merge_arrays_doc,
"merge_arrays(data, count, base, narrow) -> (docs, weights, value_lengths, values) or None\n\n"
"merging.field_terms's arrays of one term's postings `data` (as decode reads them): the\n"
"documents plus `base` and the value lengths as bytearrays of uint32, the weights of float32;\n"
"with `narrow`, the values are the positions as uint32 and each length 4 a position, else\n"
"there are none and each length is 0 (a format without values). None where the bytes are\n"
"not as the codec writes them, or a number does not fit: the Python then reads them.");

static PyObject *
merge_arrays(PyObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t count;
    long long base;
    int narrow;
    if (!PyArg_ParseTuple(args, "y*nLp", &view, &count, &base, &narrow))
        return NULL;
    PyObject *result = NULL, *out_docs = NULL, *out_weights = NULL, *out_lengths = NULL, *out_values = NULL;
    Rows rows = {0};
    int too_wide = 0;
    int decoded = base < 0 ? 0 : decode_rows(&view, count, base, narrow, narrow, &rows);
    if (decoded == 0)
        result = Py_NewRef(Py_None);
    if (decoded != 1)
        goto done;
    size_t total = rows.total;
    if ((out_docs = narrowed(PyByteArray_AS_STRING(rows.docs), total, 0, &too_wide)) == NULL ||
        (out_weights = narrowed(PyByteArray_AS_STRING(rows.weights), total, 1, &too_wide)) == NULL)
        goto narrowing;
    if (narrow) {
        int64_t *counts = (int64_t *)PyByteArray_AS_STRING(rows.counts);
        for (size_t i = 0; i < total; i++) /* a posting's value: its positions, 4 bytes each */
            counts[i] = counts[i] > (int64_t)(UINT32_MAX / 4) ? -1 : counts[i] * 4;
        if ((out_lengths = narrowed(counts, total, 0, &too_wide)) == NULL ||
            (out_values = narrowed(rows.positions.data, rows.positions.size / 8, 0, &too_wide)) == NULL)
            goto narrowing;
    } else {
        if ((out_lengths = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(total * 4))) == NULL ||
            (out_values = PyByteArray_FromStringAndSize(NULL, 0)) == NULL)
            goto done;
        memset(PyByteArray_AS_STRING(out_lengths), 0, total * 4);
    }
    result = PyTuple_Pack(4, out_docs, out_weights, out_lengths, out_values);
    goto done;
narrowing:
    if (too_wide)
        result = Py_NewRef(Py_None);
done:
    Py_XDECREF(out_docs);
    Py_XDECREF(out_weights);
    Py_XDECREF(out_lengths);
    Py_XDECREF(out_values);
    release_rows(&rows);
    PyBuffer_Release(&view);
    return result;
}

/* One segment's share of a gathered term: its blocks, and the postings file they point into
 * (held until they are decoded). */
typedef struct {
    Py_buffer postings;
    Block *blocks;
    size_t nblocks, total;
    int64_t base;
} Share;

/* A buffer of 8-byte numbers (an array('Q') of the dictionary's block starts or bases): its
 * `count` numbers from the `index`-th, or -1 when it has not so many. */
static int
numbers_at(PyObject *numbers, Py_ssize_t index, Py_ssize_t count, uint64_t *values)
{
    Py_buffer view;
    if (PyObject_GetBuffer(numbers, &view, PyBUF_SIMPLE) < 0) {
        PyErr_Clear();
        return -1;
    }
    int missing = index < 0 || view.len % 8 || index + count > view.len / 8;
    if (!missing)
        memcpy(values, (const unsigned char *)view.buf + index * 8, (size_t)count * 8);
    PyBuffer_Release(&view);
    return missing ? -1 : 0;
}

/* The row of `key` in one segment's dictionary (`table` as columnar.SegmentView.table makes it):
 * 1 with *extent filled, 0 if the segment lacks the term, -1 for what the Python is left to read. */
static int
segment_extent(PyObject *table, const unsigned char *key, Py_ssize_t key_size, Extent *extent)
{
    PyObject *keys = PyTuple_GET_ITEM(table, 1);
    if (!PyList_Check(keys))
        return -1;
    /* bisect_right over the blocks' first keys, as TermDictionaryReader.extent */
    Py_ssize_t low = 0, high = PyList_GET_SIZE(keys);
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        PyObject *first = PyList_GET_ITEM(keys, middle);
        if (!PyBytes_Check(first))
            return -1;
        if (compare_keys(key, key_size, (const unsigned char *)PyBytes_AS_STRING(first), PyBytes_GET_SIZE(first)) < 0)
            high = middle;
        else
            low = middle + 1;
    }
    Py_ssize_t number = low - 1;
    if (number < 0)
        return 0;
    uint64_t bounds[2], base; /* the block's start and the next one's */
    if (numbers_at(PyTuple_GET_ITEM(table, 2), number, 2, bounds) < 0
        || numbers_at(PyTuple_GET_ITEM(table, 3), number, 1, &base) < 0)
        return -1;
    uint64_t start = bounds[0], stop = bounds[1];
    Py_buffer terms;
    if (PyObject_GetBuffer(PyTuple_GET_ITEM(table, 4), &terms, PyBUF_SIMPLE) < 0) {
        PyErr_Clear();
        return -1;
    }
    int found = -1;
    if (start <= stop && stop <= (uint64_t)terms.len)
        found = find_extent((const unsigned char *)terms.buf + start, (Py_ssize_t)(stop - start), key, key_size,
                            base, extent);
    PyBuffer_Release(&terms);
    return found;
}

/* At least this many postings in a term's list before `gather` decodes its segments on two
 * threads: a thread's start and join cost about what decoding a few thousand postings does. */
#define THREAD_MIN_POSTINGS 16384
/* The same for gather_scored (no positions): since a long block's head is read straight into the
 * rows, a list is read so fast that the helper thread's start and the other core's cache cost
 * more than it saves (measured: a common word's backend at 50,000 articles 0.54 ms on one thread,
 * 0.75 on two; at 150,000 the same on both; a phrase's positions at 150,000 still 8.4 → 6.7 ms). */
#define THREAD_MIN_SCORED_POSTINGS (1 << 20)

/* IndexView._bm25 with each document's length term made once (its norm): score[i] =
 * scale * (f * k1_plus_one) / (f + norm[doc[i]]) for f = frequency[i], in numpy's order of
 * operations; `score` may be `frequency` (scored in place). 0 if a document is outside
 * [0, known) (numpy's indexing would raise: the scores are then not to be used), else 1.
 * Two documents at a time in SSE2's pairs of doubles (each lane the same IEEE operations, so
 * the same doubles): the division is most of a score's time, and a pair divides about as fast
 * as one; the range checked in the same pass (an index outside read as 0 meanwhile). */
static int
score_normed(const int64_t *doc, const double *frequency, const double *norm, Py_ssize_t known, Py_ssize_t count,
             double scale, double k1_plus_one, double *score)
{
    typedef double Pair __attribute__((vector_size(16)));
    if (known <= 0)
        return count == 0;
    const Pair scales = {scale, scale}, k1s = {k1_plus_one, k1_plus_one};
    uint64_t outside = 0, limit = (uint64_t)known;
    Py_ssize_t i = 0;
    for (; i + 2 <= count; i += 2) {
        uint64_t a = (uint64_t)doc[i], b = (uint64_t)doc[i + 1];
        outside |= (uint64_t)(a >= limit) | (uint64_t)(b >= limit);
        Pair f, n = {norm[a < limit ? a : 0], norm[b < limit ? b : 0]};
        memcpy(&f, frequency + i, sizeof f);
        Pair made = scales * (f * k1s) / (f + n);
        memcpy(score + i, &made, sizeof made);
    }
    for (; i < count; i++) {
        uint64_t a = (uint64_t)doc[i];
        outside |= a >= limit;
        double f = frequency[i];
        score[i] = scale * (f * k1_plus_one) / (f + norm[a < limit ? a : 0]);
    }
    return !outside;
}

/* What gather_scored scores each block with as soon as it is decoded (while it is in the cache):
 * score_normed's norms, their count, scale and k1 + 1. */
typedef struct {
    const double *norms;
    Py_ssize_t known;
    double scale, k1_plus_one;
} Scoring;

/* A run of shares decoded by one thread: rows from `filled` on, its own positions and buffers. */
typedef struct {
    const Share *shares;
    Py_ssize_t first, last;
    size_t filled;
    int positions, narrow;
    const Scoring *scoring; /* NULL: the weights left as they are */
    Out out;
    Bytes found, scratch;
    int failed;
} Work;

static void *
decode_shares(void *argument)
{
    Work *work = argument;
    z_stream stream = {0};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
        work->failed = 1;
        return NULL;
    }
    size_t filled = work->filled;
    for (Py_ssize_t s = work->first; s < work->last && !work->failed; s++) {
        for (size_t b = 0; b < work->shares[s].nblocks; b++) {
            const Block *block = &work->shares[s].blocks[b];
            if (decode_one_block(&stream, block, filled, work->shares[s].base, work->positions, work->narrow,
                                 &work->out, &work->scratch) < 0) {
                work->failed = 1;
                break;
            }
            const Scoring *scoring = work->scoring;
            if (scoring != NULL && !score_normed(work->out.docs + filled, work->out.weights + filled, scoring->norms,
                                                 scoring->known, (Py_ssize_t)block->count, scoring->scale,
                                                 scoring->k1_plus_one, work->out.weights + filled)) {
                work->failed = 1; /* a document past the norms: numpy's indexing raises */
                break;
            }
            filled += block->count;
        }
    }
    inflateEnd(&stream);
    return NULL;
}

PyDoc_STRVAR(gather_doc,
"gather(tables, text, positions, narrow, threads=1, least=THREAD_MIN_POSTINGS)\n"
"    -> (docs, weights, counts, positions), None or NotImplemented\n\n"
"columnar.IndexView.postings in one call: the term `text` (UTF-8) looked up in every segment's\n"
"dictionary and its postings decoded, segment after segment, into one set of arrays as `decode`\n"
"makes them (docs plus each segment's base). `tables` holds one tuple a segment, as\n"
"SegmentView.table makes them: (field prefix, the blocks' first keys, their starts, their bases,\n"
"the term file, the postings file, the segment's base). With `threads` above 1, a list of at\n"
"least `least` postings in two or more segments is decoded half on another thread (the same arrays;\n"
"`least` is there for the tests, which lower it to reach the split with small lists).\n"
"None if no segment holds the term;\n"
"NotImplemented where a row or its postings are not as the codec writes them (or a row has\n"
"inlined postings): the Python then reads segment by segment, raising what it raises.");

/* The share's blocks left to those that can hold a document within [low, high] (the segment's
 * own numbers): a date filter's articles are a run of the index's documents, and the blocks of a
 * common word outside it need not be read. By the blocks' headers' last documents, as Whoosh's
 * matcher skips by them; where they do not rise block after block (or a one-block record has
 * none), every block is kept. The share's total becomes the postings kept. */
static void
keep_blocks_within(Share *share, int64_t low, int64_t high)
{
    for (size_t b = 0; b < share->nblocks; b++) {
        if (share->blocks[b].last == UINT64_MAX || (b && share->blocks[b].last <= share->blocks[b - 1].last))
            return;
    }
    size_t kept = 0, total = 0;
    int64_t start = 0; /* a block's documents come after the one before's last */
    for (size_t b = 0; b < share->nblocks; b++) {
        int64_t end = (int64_t)share->blocks[b].last;
        if (end >= low && start <= high) {
            share->blocks[kept++] = share->blocks[b];
            total += share->blocks[b].count;
        }
        start = end + 1;
    }
    share->nblocks = kept;
    share->total = total;
}

/* What gather_scored asks of gather_rows: each block scored with these, the term's idf made
 * from its documents once they are counted. */
typedef struct {
    Py_buffer norms;
    Py_ssize_t size;
    double boost, k1_plus_one;
} ScoreRequest;

/* gather's answer (or gather_scored's, with `request`: (docs, scores)); `text` is left held. */
static PyObject *
gather_rows(PyObject *tables, Py_buffer text, int positions, int narrow, int threads, Py_ssize_t least,
            const ScoreRequest *request, int64_t low, int64_t high)
{
    Py_ssize_t ntables = PyTuple_GET_SIZE(tables), nshares = 0;
    Share *shares = PyMem_RawCalloc(ntables ? (size_t)ntables : 1, sizeof(Share));
    PyObject *result = NULL, *docs = NULL, *weights = NULL, *counts = NULL, *found = NULL;
    unsigned char key[MAX_KEY];
    size_t total = 0, documents = 0; /* the postings decoded; the term's documents (its idf) */
    if (shares == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < ntables; i++) {
        PyObject *table = PyTuple_GET_ITEM(tables, i);
        if (!PyTuple_Check(table) || PyTuple_GET_SIZE(table) != 7 || !PyBytes_Check(PyTuple_GET_ITEM(table, 0))) {
            PyErr_SetString(PyExc_TypeError, "gather: each table is a tuple of seven, its prefix bytes");
            goto done;
        }
        PyObject *prefix = PyTuple_GET_ITEM(table, 0);
        Py_ssize_t prefix_size = PyBytes_GET_SIZE(prefix), key_size = prefix_size + text.len;
        long long base = PyLong_AsLongLong(PyTuple_GET_ITEM(table, 6));
        if (base == -1 && PyErr_Occurred())
            goto done;
        if (key_size > MAX_KEY)
            goto python;
        memcpy(key, PyBytes_AS_STRING(prefix), (size_t)prefix_size);
        memcpy(key + prefix_size, text.buf, (size_t)text.len);
        Extent extent;
        int held = segment_extent(table, key, key_size, &extent);
        if (held < 0 || (held && extent.flags))
            goto python;
        if (!held)
            continue;
        Share *share = &shares[nshares];
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(table, 5), &share->postings, PyBUF_SIMPLE) < 0) {
            PyErr_Clear();
            goto python;
        }
        nshares++; /* its buffer is released at the end */
        if (extent.offset < 0 || extent.length < 0 || extent.offset > share->postings.len
            || extent.length > share->postings.len - extent.offset
            || find_blocks((const unsigned char *)share->postings.buf + extent.offset, (size_t)extent.length,
                           (size_t)extent.docfreq, &share->blocks, &share->nblocks, &share->total) < 0)
            goto python;
        share->base = base;
        documents += share->total;
        if (low <= high)
            keep_blocks_within(share, low - base, high - base);
        total += share->total;
        if (documents > (size_t)PY_SSIZE_T_MAX / 8)
            goto python;
    }
    if (!nshares) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (allocate_rows(total, positions, &docs, &weights, &counts) < 0)
        goto done;
    Scoring scoring = {0};
    if (request != NULL) {
        /* IndexView._bm25: idf = math.log(size / (document_frequency + 1)) + 1; scale = boost * idf */
        scoring = (Scoring){.norms = request->norms.buf, .known = request->norms.len / 8,
                            .scale = request->boost * (log((double)request->size / (double)(documents + 1)) + 1),
                            .k1_plus_one = request->k1_plus_one};
    }
    /* Two halves of the segments (by postings) decoded at once when the list is long enough to
     * pay for a thread: each half fills its own rows of the arrays and its own positions. */
    Work halves[2] = {{0}};
    Py_ssize_t split = nshares;
    if (threads > 1 && nshares > 1 && total >= (size_t)(least > 0 ? least : 0)) {
        size_t before = 0;
        for (split = 0; split < nshares - 1 && (before + shares[split].total) * 2 <= total; split++)
            before += shares[split].total;
        if (split == 0)
            split = 1;
    }
    size_t first_half = 0;
    for (Py_ssize_t s = 0; s < split; s++)
        first_half += shares[s].total;
    const Scoring *scored = request != NULL ? &scoring : NULL;
    halves[0] = (Work){.shares = shares, .first = 0, .last = split, .filled = 0, .positions = positions,
                       .narrow = narrow, .scoring = scored};
    halves[1] = (Work){.shares = shares, .first = split, .last = nshares, .filled = first_half,
                       .positions = positions, .narrow = narrow, .scoring = scored};
    for (int h = 0; h < 2; h++) {
        halves[h].out.docs = (int64_t *)PyByteArray_AS_STRING(docs);
        halves[h].out.weights = (double *)PyByteArray_AS_STRING(weights);
        halves[h].out.counts = positions ? (int64_t *)PyByteArray_AS_STRING(counts) : NULL;
        halves[h].out.positions = &halves[h].found;
    }
    Py_BEGIN_ALLOW_THREADS
    pthread_t helper;
    int helped = split < nshares && pthread_create(&helper, NULL, decode_shares, &halves[1]) == 0;
    decode_shares(&halves[0]);
    if (helped)
        pthread_join(helper, NULL);
    else if (split < nshares)
        decode_shares(&halves[1]);
    Py_END_ALLOW_THREADS
    int failed = halves[0].failed || halves[1].failed;
    if (!failed && positions) {
        found = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(halves[0].found.size + halves[1].found.size));
        if (found != NULL) {
            char *into = PyByteArray_AS_STRING(found);
            if (halves[0].found.size)
                memcpy(into, halves[0].found.data, halves[0].found.size);
            if (halves[1].found.size)
                memcpy(into + halves[0].found.size, halves[1].found.data, halves[1].found.size);
        }
    }
    for (int h = 0; h < 2; h++) {
        PyMem_RawFree(halves[h].found.data);
        PyMem_RawFree(halves[h].scratch.data);
        PyMem_RawFree(halves[h].out.scratch);
    }
    if (failed)
        goto python;
    if (positions && found == NULL)
        goto done;
    result = request != NULL ? PyTuple_Pack(2, docs, weights)
                             : PyTuple_Pack(4, docs, weights, positions ? counts : Py_None, positions ? found : Py_None);
    goto done;
python:
    result = Py_NewRef(Py_NotImplemented);
done:
    Py_XDECREF(docs);
    Py_XDECREF(weights);
    Py_XDECREF(counts);
    Py_XDECREF(found);
    if (shares != NULL) {
        for (Py_ssize_t s = 0; s < nshares; s++) {
            PyMem_RawFree(shares[s].blocks);
            PyBuffer_Release(&shares[s].postings);
        }
        PyMem_RawFree(shares);
    }
    return result;
}

static PyObject *
gather(PyObject *self, PyObject *args)
{
    PyObject *tables;
    Py_buffer text;
    int positions, narrow, threads = 1;
    Py_ssize_t least = THREAD_MIN_POSTINGS;
    if (!PyArg_ParseTuple(args, "O!y*pp|in", &PyTuple_Type, &tables, &text, &positions, &narrow, &threads, &least))
        return NULL;
    PyObject *result = gather_rows(tables, text, positions, narrow, threads, least, NULL, 0, -1);
    PyBuffer_Release(&text);
    return result;
}

/* Whether every document of doc[0, count) is within [0, known): else numpy's indexing raises. */
static int
within(const int64_t *doc, Py_ssize_t count, Py_ssize_t known)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        if (doc[i] < 0 || doc[i] >= known)
            return 0;
    }
    return 1;
}

PyDoc_STRVAR(gather_scored_doc,
"gather_scored(tables, text, threads, norms, size, boost, k1_plus_one, least=THREAD_MIN_SCORED_POSTINGS,\n"
"              low=0, high=-1) -> (docs, scores), None or NotImplemented\n\n"
"columnar.IndexView.term in one call: `gather` without positions, then each document's BM25\n"
"score in place of its weight, as bm25_normed makes it with the term's idf\n"
"(log(size / (documents + 1)) + 1, times `boost`), so the same doubles. With low <= high, the\n"
"blocks that cannot hold a document within [low, high] are not read (the idf still counts their\n"
"documents): the answer holds every one of the term's documents within the range, and perhaps\n"
"some outside. None if no segment holds the term; NotImplemented where `gather` answers so, or\n"
"a document is past `norms`.");

static PyObject *
gather_scored(PyObject *self, PyObject *args)
{
    PyObject *tables;
    Py_buffer text;
    int threads;
    Py_ssize_t least = THREAD_MIN_SCORED_POSTINGS;
    long long low = 0, high = -1;
    ScoreRequest request;
    if (!PyArg_ParseTuple(args, "O!y*iy*ndd|nLL", &PyTuple_Type, &tables, &text, &threads, &request.norms,
                          &request.size, &request.boost, &request.k1_plus_one, &least, &low, &high))
        return NULL;
    /* each block scored as it is decoded: a document past the norms makes it NotImplemented */
    PyObject *result = gather_rows(tables, text, 0, 0, threads, least, &request, low, high);
    PyBuffer_Release(&text);
    PyBuffer_Release(&request.norms);
    return result;
}

PyDoc_STRVAR(bm25_doc,
"bm25(docs, frequencies, lengths, scale, k1_plus_one, k1, one_minus_b, b, average) -> scores or None\n\n"
"columnar.IndexView._bm25's formula in one pass: for each document d of `docs` (int64) with\n"
"frequency f (float64), scale * (f * k1_plus_one) / (f + k1 * (one_minus_b + b * lengths[d] / average)),\n"
"as float64 bytes, each operation in numpy's order (so the same doubles). None if a document is\n"
"out of `lengths`' range (numpy's indexing then raises) or the arrays are not as described.");

/* The scores of `docs` (int64) with their `frequencies` (float64) as float64 bytes: each
 * scale * (f * k1_plus_one) / (f + norm), where norm is table[d] (`normed`, bm25_normed) or
 * k1 * (one_minus_b + b * table[d] / average) (bm25), in numpy's order of operations. None if a
 * document is out of the table's range or the arrays are not as described; the buffers are
 * released. */
static PyObject *
scores_of(Py_buffer *docs, Py_buffer *frequencies, Py_buffer *table, int normed, double scale, double k1_plus_one,
          double k1, double one_minus_b, double b, double average)
{
    PyObject *result = NULL;
    Py_ssize_t count = docs->len / 8, size = table->len / 8;
    if (docs->len % 8 || table->len % 8 || frequencies->len != docs->len) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    const int64_t *doc = docs->buf;
    const double *frequency = frequencies->buf, *known = table->buf;
    if (!normed && !within(doc, count, size)) { /* score_normed checks the range as it scores */
        result = Py_NewRef(Py_None);
        goto done;
    }
    result = PyByteArray_FromStringAndSize(NULL, count * 8);
    if (result == NULL)
        goto done;
    double *score = (double *)PyByteArray_AS_STRING(result);
    if (normed) {
        if (!score_normed(doc, frequency, known, size, count, scale, k1_plus_one, score))
            Py_SETREF(result, Py_NewRef(Py_None));
    } else {
        for (Py_ssize_t i = 0; i < count; i++) {
            double f = frequency[i];
            score[i] = scale * (f * k1_plus_one) / (f + k1 * (one_minus_b + b * known[doc[i]] / average));
        }
    }
done:
    PyBuffer_Release(docs);
    PyBuffer_Release(frequencies);
    PyBuffer_Release(table);
    return result;
}

static PyObject *
bm25(PyObject *self, PyObject *args)
{
    Py_buffer docs, frequencies, lengths;
    double scale, k1_plus_one, k1, one_minus_b, b, average;
    if (!PyArg_ParseTuple(args, "y*y*y*dddddd", &docs, &frequencies, &lengths, &scale, &k1_plus_one, &k1,
                          &one_minus_b, &b, &average))
        return NULL;
    return scores_of(&docs, &frequencies, &lengths, 0, scale, k1_plus_one, k1, one_minus_b, b, average);
}

/* One gram's keys ((document << shift) + start, for each occurrence in a candidate document
 * whose start = position - offset is not negative), into `keys`: their number, or -1 if they
 * are not strictly increasing (or a document is out of the candidates' range, or the counts do not
 * add up to the positions). */
static Py_ssize_t
gram_keys(const unsigned char *candidate, Py_ssize_t size, long long offset, const int64_t *docs,
          const int64_t *counts, Py_ssize_t count, const int64_t *positions, Py_ssize_t npositions, int shift,
          int64_t *keys)
{
    Py_ssize_t made = 0, at = 0;
    int64_t last = INT64_MIN;
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t doc = docs[i], occurrences = counts[i];
        if (doc < 0 || doc >= size || occurrences < 0 || occurrences > npositions - at)
            return -1;
        if (candidate[doc]) {
            for (int64_t j = 0; j < occurrences; j++) {
                /* in unsigned arithmetic: numpy's int64s wrap around, C's signed ones may not */
                int64_t start = (int64_t)((uint64_t)positions[at + j] - (uint64_t)offset);
                if (start < 0)
                    continue;
                int64_t key = (int64_t)(((uint64_t)doc << shift) + (uint64_t)start);
                if (key <= last)
                    return -1;
                keys[made++] = last = key;
            }
        }
        at += occurrences;
    }
    if (at != npositions) /* numpy's repeat and the positions then differ in length: it raises */
        return -1;
    return made;
}

PyDoc_STRVAR(phrase_keys_doc,
"phrase_keys(candidate, lists, shift) -> keys or None\n\n"
"columnar.IndexView.phrase's loop over its grams in one call: for each (offset, docs, counts,\n"
"positions) of `lists`, the keys (document << shift) + (position - offset) of its occurrences\n"
"in `candidate` documents (a bool array), not negative, intersected gram after gram; the\n"
"numbers in every gram's keys, ascending, as int64 bytes. None where a gram's keys are not\n"
"strictly increasing (a position past the shift's room) or the arrays are not as described:\n"
"the Python then intersects them as sets.");

static PyObject *
phrase_keys(PyObject *self, PyObject *args)
{
    Py_buffer candidate;
    PyObject *lists;
    int shift;
    if (!PyArg_ParseTuple(args, "y*O!i", &candidate, &PyTuple_Type, &lists, &shift))
        return NULL;
    PyObject *result = NULL;
    int64_t *kept = NULL, *fresh = NULL;
    Py_ssize_t nkept = 0;
    if (shift < 0 || shift > 40 || !PyTuple_GET_SIZE(lists)) { /* no grams: the Python's None */
        result = Py_NewRef(Py_None);
        goto done;
    }
    for (Py_ssize_t l = 0; l < PyTuple_GET_SIZE(lists); l++) {
        PyObject *item = PyTuple_GET_ITEM(lists, l);
        long long offset;
        Py_buffer docs, counts, positions;
        if (!PyArg_ParseTuple(item, "Ly*y*y*", &offset, &docs, &counts, &positions))
            goto done;
        Py_ssize_t count = docs.len / 8, npositions = positions.len / 8, made = -1;
        int shaped = !(docs.len % 8 || counts.len != docs.len || positions.len % 8);
        int64_t *into = shaped ? PyMem_RawMalloc((npositions ? (size_t)npositions : 1) * sizeof(int64_t)) : NULL;
        if (into != NULL)
            made = gram_keys(candidate.buf, candidate.len, offset, docs.buf, counts.buf, count, positions.buf,
                             npositions, shift, into);
        PyBuffer_Release(&docs);
        PyBuffer_Release(&counts);
        PyBuffer_Release(&positions);
        if (shaped && into == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        if (made < 0) {
            PyMem_RawFree(into);
            result = Py_NewRef(Py_None);
            goto done;
        }
        if (l == 0) {
            kept = into;
            nkept = made;
        } else { /* both ascending: a merge, kept in place */
            fresh = into;
            Py_ssize_t a = 0, b = 0, out = 0;
            while (a < nkept && b < made) {
                if (kept[a] < fresh[b])
                    a++;
                else if (kept[a] > fresh[b])
                    b++;
                else {
                    kept[out++] = kept[a];
                    a++;
                    b++;
                }
            }
            nkept = out;
            PyMem_RawFree(fresh);
            fresh = NULL;
        }
        if (!nkept)
            break;
    }
    result = PyByteArray_FromStringAndSize((const char *)kept, nkept * 8);
done:
    PyMem_RawFree(kept);
    PyMem_RawFree(fresh);
    PyBuffer_Release(&candidate);
    return result;
}

PyDoc_STRVAR(bm25_normed_doc,
"bm25_normed(docs, frequencies, norms, scale, k1_plus_one) -> scores or None\n\n"
"bm25 with each document's length term made once per index version: for each document d of\n"
"`docs` (int64) with frequency f (float64), scale * (f * k1_plus_one) / (f + norms[d]), where\n"
"norms[d] is k1 * (one_minus_b + b * lengths[d] / average) as numpy made it (so the same doubles\n"
"as bm25, with one division a document instead of two). None if a document is out of `norms`'\n"
"range or the arrays are not as described.");

static PyObject *
bm25_normed(PyObject *self, PyObject *args)
{
    Py_buffer docs, frequencies, norms;
    double scale, k1_plus_one;
    if (!PyArg_ParseTuple(args, "y*y*y*dd", &docs, &frequencies, &norms, &scale, &k1_plus_one))
        return NULL;
    return scores_of(&docs, &frequencies, &norms, 1, scale, k1_plus_one, 0.0, 0.0, 0.0, 1.0);
}

/* ---- combining matches: columnar.union, intersection, and_maybe and order's head ----
 *
 * numpy combines a query's lists over arrays as long as the index (a flag and a score per
 * document, scattered into, then scanned); at 10,000 articles that was a third of a common
 * word's time. Here two sorted lists are merged, and many long ones (the related reading's
 * keywords) accumulated over such arrays in one pass each. Every document's score is summed in
 * the order of the parts, from 0.0, as numpy's `scores[docs] += part.scores` does, so the
 * doubles are the same (but for two NaNs added, whose sign the machine picks by the operands'
 * order, which the compiler may swap: a score is NaN only in an index whose weights are). */

typedef struct {
    Py_buffer docs_view, scores_view;
    const int64_t *docs;
    const double *scores;
    Py_ssize_t count;
} Part;

/* 1 if the part's documents are strictly increasing and within [0, size) and its scores as
 * many (what a Matches holds), else 0: the Python then combines it as numpy does (and raises
 * where numpy raises). */
static int
shaped_part(const Part *part, int64_t size)
{
    if (part->docs_view.len % 8 || part->scores_view.len != part->docs_view.len
        || (uintptr_t)part->docs % 8 || (uintptr_t)part->scores % 8) /* a slice of bytes: not read as numbers */
        return 0;
    const int64_t *docs = part->docs;
    Py_ssize_t count = part->count;
    if (!count)
        return 1;
    if (docs[0] < 0 || docs[count - 1] >= size)
        return 0;
    /* Every step up by 1 to `span` (a power of two at least size): the steps less one, or-ed
     * together, below span, in a loop the compiler makes wide (SSE2's 64-bit subtraction and or;
     * a comparison a document took a tenth of a 3-term AND). A step down or of 0 wraps to a
     * number with the top bit set. Rising from docs[0] >= 0 to the last below size without
     * wrapping past 2^63 (count * span below it), every document is within [0, size). */
    uint64_t span = 1;
    while (span < (uint64_t)size)
        span <<= 1;
    if ((uint64_t)count <= ((uint64_t)INT64_MAX) / span) {
        uint64_t steps = 0;
        for (Py_ssize_t i = 1; i < count; i++)
            steps |= (uint64_t)docs[i] - (uint64_t)docs[i - 1] - 1;
        return steps < span;
    }
    for (Py_ssize_t i = 1; i < count; i++) {
        if (docs[i] <= docs[i - 1])
            return 0;
    }
    return 1;
}

static void
release_parts(Part *parts, Py_ssize_t made)
{
    for (Py_ssize_t p = 0; p < made; p++) {
        PyBuffer_Release(&parts[p].docs_view);
        PyBuffer_Release(&parts[p].scores_view);
    }
    PyMem_Free(parts);
}

/* The parts of a tuple of (docs, scores) pairs, their buffers held; NULL with an exception set
 * if the tuple is not of pairs of buffers. */
static Part *
parts_from(PyObject *tuple, Py_ssize_t *made)
{
    Py_ssize_t n = PyTuple_GET_SIZE(tuple);
    Part *parts = PyMem_Calloc(n ? n : 1, sizeof(Part));
    *made = 0;
    if (parts == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t p = 0; p < n; p++) {
        Part *part = &parts[p];
        PyObject *item = PyTuple_GET_ITEM(tuple, p);
        if (!PyTuple_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "each part is a tuple (docs, scores)");
            release_parts(parts, *made);
            return NULL;
        }
        if (!PyArg_ParseTuple(item, "y*y*", &part->docs_view, &part->scores_view)) {
            release_parts(parts, *made);
            return NULL;
        }
        part->docs = part->docs_view.buf;
        part->scores = part->scores_view.buf;
        part->count = part->docs_view.len / 8;
        (*made)++;
    }
    return parts;
}

/* (docs, scores) bytearrays of `count` documents, or NULL with an exception set. */
static PyObject *
matches_of(const int64_t *docs, const double *scores, Py_ssize_t count)
{
    PyObject *d = PyByteArray_FromStringAndSize((const char *)docs, count * 8);
    PyObject *s = d ? PyByteArray_FromStringAndSize((const char *)scores, count * 8) : NULL;
    PyObject *pair = s ? PyTuple_Pack(2, d, s) : NULL;
    Py_XDECREF(d);
    Py_XDECREF(s);
    return pair;
}

/* The first index at or after `from` in docs[0, count) whose document is >= `doc`: doubling
 * steps, then a binary search (the shorter list's documents looked up in the longer). */
static Py_ssize_t
seek(const int64_t *docs, Py_ssize_t count, Py_ssize_t from, int64_t doc)
{
    Py_ssize_t step = 1, low = from, high = from;
    while (high < count && docs[high] < doc) {
        low = high + 1;
        high += step;
        step *= 2;
    }
    if (high > count)
        high = count;
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (docs[middle] < doc)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

enum { UNION, INTERSECTION };

/* A list of matches being combined: documents and scores, borrowed from a part or the list's
 * own (own_docs, own_scores: freed by release_list). */
typedef struct {
    const int64_t *docs;
    const double *scores;
    Py_ssize_t count;
    int64_t *own_docs;
    double *own_scores;
} List;

static void
release_list(List *list)
{
    PyMem_Free(list->own_docs);
    PyMem_Free(list->own_scores);
    list->own_docs = NULL;
    list->own_scores = NULL;
}

/* The list made its own, with room for `room` documents and scores (none yet); -1 with
 * MemoryError set. */
static int
own_list(List *list, Py_ssize_t room)
{
    release_list(list);
    list->own_docs = PyMem_Malloc((room ? room : 1) * sizeof(int64_t));
    list->own_scores = PyMem_Malloc((room ? room : 1) * sizeof(double));
    if (list->own_docs == NULL || list->own_scores == NULL) {
        release_list(list);
        PyErr_NoMemory();
        return -1;
    }
    list->docs = list->own_docs;
    list->scores = list->own_scores;
    list->count = 0;
    return 0;
}

static List
borrowed(const Part *part)
{
    List list = {part->docs, part->scores, part->count, NULL, NULL};
    return list;
}

/* `value`, or +0.0 where `keep` is 0: a select without a branch, which a merge's unpredictable
 * comparisons would mispredict half the time. */
static inline double
kept(double value, int keep)
{
    uint64_t bits;
    memcpy(&bits, &value, 8);
    bits &= (uint64_t)0 - (uint64_t)(keep != 0);
    memcpy(&value, &bits, 8);
    return value;
}

/* a ∪ b into docs and scores (room for both counts): each document scored (0.0 + a's score)
 * + b's score, a missing one's being 0.0. As numpy sums from 0.0 in the parts' order: a merged
 * list's own scores are never -0.0 (0.0 + x is not), so 0.0 + them and + 0.0 leave them as
 * they are. A document in both is a branch (a word's literal and jieba lists hold nearly the
 * same documents, so it is foretold); which list is behind is not (the lists of an OR's words
 * interleave). The count made. */
static Py_ssize_t
merge_union(const List *a, const List *b, int64_t *docs, double *scores)
{
    Py_ssize_t i = 0, j = 0, out = 0;
    while (i < a->count && j < b->count) {
        int64_t x = a->docs[i], y = b->docs[j];
        if (x == y) {
            docs[out] = x;
            scores[out++] = (0.0 + a->scores[i++]) + b->scores[j++];
            continue;
        }
        int from_a = x < y;
        docs[out] = from_a ? x : y;
        scores[out++] = 0.0 + (from_a ? a->scores[i] : b->scores[j]);
        i += from_a;
        j += !from_a;
    }
    for (; i < a->count; i++, out++) {
        docs[out] = a->docs[i];
        scores[out] = 0.0 + a->scores[i];
    }
    for (; j < b->count; j++, out++) {
        docs[out] = b->docs[j];
        scores[out] = 0.0 + b->scores[j];
    }
    return out;
}

/* a ∩ b into docs and scores (room for a's), each document scored (0.0 + a's score) + b's
 * score. One list much the shorter: its documents looked up in the other; else merged without
 * branches on the documents' order (a slot written at every step, kept when equal: the lists of
 * an AND's different words differ too often for a branch on equality to be foretold). */
static Py_ssize_t
merge_intersection(const List *a, const List *b, int64_t *docs, double *scores)
{
    Py_ssize_t i = 0, j = 0, out = 0;
    if (a->count > 8 * b->count || b->count > 8 * a->count) {
        while (i < a->count && j < b->count) {
            if (a->docs[i] < b->docs[j])
                i = seek(a->docs, a->count, i, b->docs[j]);
            else if (a->docs[i] > b->docs[j])
                j = seek(b->docs, b->count, j, a->docs[i]);
            else {
                docs[out] = a->docs[i];
                scores[out++] = (0.0 + a->scores[i++]) + b->scores[j++];
            }
        }
        return out;
    }
    while (i < a->count && j < b->count) {
        int64_t x = a->docs[i], y = b->docs[j];
        docs[out] = x;
        scores[out] = (0.0 + a->scores[i]) + b->scores[j];
        out += x == y;
        i += x <= y;
        j += y <= x;
    }
    return out;
}

/* The union (intersect 0) or intersection of n >= 2 lists into `into` (made its own), as
 * combine() describes. A union of many long lists (the related reading's keywords) is
 * accumulated over arrays as long as the index, as numpy does, in one pass a list and one scan;
 * else lists are merged two at a time (the result so far, then the next list). 0, or -1 with
 * MemoryError set. */
static int
combine_lists(const List *lists, Py_ssize_t n, int64_t size, int intersect, List *into)
{
    Py_ssize_t total = 0;
    for (Py_ssize_t p = 0; p < n; p++)
        total += lists[p].count;
    /* an intersection so far holds at most the first list's documents */
    Py_ssize_t room = intersect ? lists[0].count : total;
    if (own_list(into, room) < 0)
        return -1;
    if (!intersect && n > 2 && total > size / 8) {
        double *dense = PyMem_Calloc(size ? size : 1, sizeof(double));
        unsigned char *present = PyMem_Calloc(size ? size : 1, 1);
        if (dense == NULL || present == NULL) {
            PyMem_Free(dense);
            PyMem_Free(present);
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t p = 0; p < n; p++) {
            for (Py_ssize_t i = 0; i < lists[p].count; i++) {
                dense[lists[p].docs[i]] += lists[p].scores[i];
                present[lists[p].docs[i]] = 1;
            }
        }
        Py_ssize_t count = 0;
        for (int64_t d = 0; d < size; d++) {
            if (present[d]) {
                into->own_docs[count] = d;
                into->own_scores[count++] = dense[d];
            }
        }
        into->count = count;
        PyMem_Free(dense);
        PyMem_Free(present);
        return 0;
    }
    List spare = {NULL, NULL, 0, NULL, NULL};
    if (own_list(&spare, room) < 0)
        return -1;
    /* the result so far alternates between the two buffers; the first merge reads lists[0] */
    List so_far = lists[0];
    for (Py_ssize_t p = 1; p < n; p++) {
        List *target = (p % 2) ? into : &spare;
        Py_ssize_t made = intersect ? merge_intersection(&so_far, &lists[p], target->own_docs, target->own_scores)
                                    : merge_union(&so_far, &lists[p], target->own_docs, target->own_scores);
        so_far.docs = target->own_docs;
        so_far.scores = target->own_scores;
        so_far.count = made;
        if (intersect && !made)
            break;
    }
    if (so_far.docs != into->own_docs) { /* the last merge went to the spare buffer */
        memcpy(into->own_docs, so_far.docs, so_far.count * sizeof(int64_t));
        memcpy(into->own_scores, so_far.scores, so_far.count * sizeof(double));
    }
    into->count = so_far.count;
    release_list(&spare);
    return 0;
}

/* columnar.and_maybe on `value`: each document's score plus the optional list's score for it
 * or plus 0.0, in its own scores if the value has them. 0, or -1 with MemoryError set. */
static int
add_optional(List *value, const List *optional)
{
    double *scores = value->own_scores;
    if (scores == NULL || scores != value->scores) {
        scores = PyMem_Malloc((value->count ? value->count : 1) * sizeof(double));
        if (scores == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    Py_ssize_t b = 0;
    for (Py_ssize_t a = 0; a < value->count; a++) {
        int64_t doc = value->docs[a];
        if (b < optional->count && optional->docs[b] < doc)
            b = seek(optional->docs, optional->count, b, doc);
        int hit = b < optional->count && optional->docs[b] == doc;
        scores[a] = value->scores[a] + kept(hit ? optional->scores[b] : 0.0, hit);
    }
    if (scores != value->own_scores) {
        PyMem_Free(value->own_scores);
        value->own_scores = scores;
    }
    value->scores = scores;
    return 0;
}

static PyObject *
matches_of_list(const List *list)
{
    return matches_of(list->docs, list->scores, list->count);
}

PyDoc_STRVAR(combine_doc,
"combine(size, parts, intersect) -> (docs, scores) or None\n\n"
"columnar.union (intersect false) or columnar.intersection (true) of two or more parts, each\n"
"(docs, scores): int64 documents strictly increasing within [0, size), float64 scores as many.\n"
"The documents in any (all) of the parts, ascending, each scored the sum of its parts' scores\n"
"from 0.0 in the parts' order, as int64 and float64 bytes. None if a part is not as described.");

static PyObject *
combine(PyObject *self, PyObject *args)
{
    long long size;
    PyObject *tuple;
    int intersect;
    if (!PyArg_ParseTuple(args, "LO!p", &size, &PyTuple_Type, &tuple, &intersect))
        return NULL;
    Py_ssize_t n;
    Part *parts = parts_from(tuple, &n);
    if (parts == NULL)
        return NULL;
    PyObject *result = NULL;
    List *lists = NULL, made = {NULL, NULL, 0, NULL, NULL};
    if (n < 2 || size < 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    lists = PyMem_Malloc(n * sizeof(List));
    if (lists == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t p = 0; p < n; p++) {
        if (!shaped_part(&parts[p], size)) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        lists[p] = borrowed(&parts[p]);
    }
    if (combine_lists(lists, n, size, intersect, &made) == 0)
        result = matches_of_list(&made);
done:
    release_list(&made);
    PyMem_Free(lists);
    release_parts(parts, n);
    return result;
}

PyDoc_STRVAR(and_maybe_doc,
"and_maybe(size, required, optional) -> scores or None\n\n"
"columnar.and_maybe's scores: each of the required (docs, scores)'s documents keeps its score\n"
"plus the optional part's score for it, or plus 0.0 (the required documents stay as they are),\n"
"as float64 bytes. None if a part is not as columnar.combine's parts are.");

static PyObject *
and_maybe(PyObject *self, PyObject *args)
{
    long long size;
    PyObject *required, *optional;
    if (!PyArg_ParseTuple(args, "LOO", &size, &required, &optional))
        return NULL;
    PyObject *pair = PyTuple_Pack(2, required, optional);
    if (pair == NULL)
        return NULL;
    Py_ssize_t n;
    Part *parts = parts_from(pair, &n);
    Py_DECREF(pair);
    if (parts == NULL)
        return NULL;
    PyObject *result = NULL;
    List value = borrowed(&parts[0]), other = borrowed(&parts[1]);
    if (!shaped_part(&parts[0], size) || !shaped_part(&parts[1], size))
        result = Py_NewRef(Py_None);
    else if (add_optional(&value, &other) == 0)
        result = PyByteArray_FromStringAndSize((const char *)value.scores, value.count * 8);
    release_list(&value);
    release_parts(parts, n);
    return result;
}

/* ---- a plan's lists combined in one call: columnar.combine_clauses ----
 *
 * A plan's answer is the intersection of its clauses, a clause the union of its terms, a term
 * and_maybe(union of its lists, its optional list): a 3-term AND was nine lists, three unions,
 * three boosts and an intersection, each a call from Python that made arrays the next one read.
 * Here they are combined in one call, with the Python's edge cases (an empty list left out of a
 * union, one list being its own union or intersection, an empty optional list no boost). */

/* columnar.union of n lists (the empty ones left out; one left, itself) into `into`. */
static int
python_union(List *lists, Py_ssize_t n, int64_t size, List *into)
{
    Py_ssize_t kept_lists = 0;
    for (Py_ssize_t p = 0; p < n; p++) {
        if (lists[p].count)
            lists[kept_lists++] = lists[p]; /* borrowed pointers: whose they are stays with the caller */
    }
    if (kept_lists == 0) {
        into->count = 0;
        return 0;
    }
    if (kept_lists == 1) {
        into->docs = lists[0].docs;
        into->scores = lists[0].scores;
        into->count = lists[0].count;
        return 0;
    }
    return combine_lists(lists, kept_lists, size, UNION, into);
}

/* A view of a list: its documents and scores, whose they are left with the list. */
static List
view_of(const List *list)
{
    List view = {list->docs, list->scores, list->count, NULL, NULL};
    return view;
}

typedef struct {
    Part *parts;
    Py_ssize_t count; /* the parts, the optional one last */
    int optional;
} TermParts;

/* A term's (parts, optional) as parts with the optional one last; -1 with an exception set. */
static int
term_parts(PyObject *term, TermParts *into)
{
    PyObject *parts, *optional, *all;
    if (!PyTuple_Check(term) || PyTuple_GET_SIZE(term) != 2 || !PyTuple_Check(parts = PyTuple_GET_ITEM(term, 0))) {
        PyErr_SetString(PyExc_TypeError, "each term is a tuple (parts, optional)");
        return -1;
    }
    optional = PyTuple_GET_ITEM(term, 1);
    into->optional = optional != Py_None;
    if (!into->optional) {
        all = Py_NewRef(parts);
    } else {
        Py_ssize_t n = PyTuple_GET_SIZE(parts);
        all = PyTuple_New(n + 1);
        if (all == NULL)
            return -1;
        for (Py_ssize_t p = 0; p < n; p++)
            PyTuple_SET_ITEM(all, p, Py_NewRef(PyTuple_GET_ITEM(parts, p)));
        PyTuple_SET_ITEM(all, n, Py_NewRef(optional));
    }
    into->parts = parts_from(all, &into->count); /* the buffers hold their objects */
    Py_DECREF(all);
    return into->parts == NULL ? -1 : 0;
}

/* -- the same, over arrays as long as the index --
 *
 * Merging two sorted lists costs a few nanoseconds a step, bound by each step waiting on the
 * last comparison; a 3-term AND at 10,000 articles merged 30,000 steps. When the lists hold as
 * many documents as the range they span, each term's lists are instead scattered into arrays as
 * long as the index (a score and a stamp a document), and the range scanned once a clause: the
 * same sums in the same order, without a step waiting on another. The arrays are kept between
 * calls (a fresh one would be faulted in page by page) and never cleared: a document's stamp is
 * the call's term's, or it is not in the term (the stamps are numbered on and the arrays cleared
 * only when they run out). The GIL is held throughout (nothing between the first stamp and the
 * answer's bytes runs Python code or makes an object the collector tracks), so one call at a
 * time uses them. They stay allocated: at 150,000 articles, 1.8 MB a term the largest query has
 * had (at most DENSE_MAX_ENTRIES documents' worth; beyond, the lists are merged). */

#define DENSE_MAX_ENTRIES ((size_t)1 << 21) /* 24 MB: at 150,000 articles, thirteen terms */

static struct {
    double *scores;
    uint32_t *stamps;
    size_t entries;
    uint32_t stamp; /* the last one given */
} dense = {NULL, NULL, 0, 0};

/* Room for `entries` documents in the dense arrays and two stamps for each of `terms` terms; -1
 * with MemoryError set. */
static int
dense_room(size_t entries, Py_ssize_t terms)
{
    if (entries > dense.entries) {
        PyMem_RawFree(dense.scores);
        PyMem_RawFree(dense.stamps);
        dense.scores = PyMem_RawCalloc(entries, sizeof(double));
        dense.stamps = PyMem_RawCalloc(entries, sizeof(uint32_t));
        dense.stamp = 0;
        dense.entries = entries;
        if (dense.scores == NULL || dense.stamps == NULL) {
            PyMem_RawFree(dense.scores);
            PyMem_RawFree(dense.stamps);
            dense.scores = NULL;
            dense.stamps = NULL;
            dense.entries = 0;
            PyErr_NoMemory();
            return -1;
        }
    }
    if (dense.stamp > UINT32_MAX - 2 * (uint32_t)terms - 2) {
        memset(dense.stamps, 0, dense.entries * sizeof(uint32_t));
        dense.stamp = 0;
    }
    return 0;
}

/* A term scattered: each document of its lists scored as python_union then add_optional score
 * it, and stamped `stamp` (stamp + 1 where the optional list boosted it). Returns whether it was
 * boosted at all (a document of it not boosted then adds 0.0, as and_maybe does). */
static int
scatter_term(const TermParts *term, double *restrict score, uint32_t *restrict stamp_of, uint32_t stamp)
{
    Py_ssize_t required = term->count - term->optional, nonempty = 0;
    for (Py_ssize_t p = 0; p < required; p++)
        nonempty += term->parts[p].count > 0;
    int first = 1;
    for (Py_ssize_t p = 0; p < required; p++) {
        const int64_t *restrict docs = term->parts[p].docs;
        const double *restrict scores = term->parts[p].scores;
        Py_ssize_t count = term->parts[p].count;
        if (!count)
            continue;
        if (first && nonempty == 1) { /* one list is its own union: its scores as they are */
            for (Py_ssize_t i = 0; i < count; i++) {
                score[docs[i]] = scores[i];
                stamp_of[docs[i]] = stamp;
            }
        } else if (first) {
            for (Py_ssize_t i = 0; i < count; i++) {
                score[docs[i]] = 0.0 + scores[i];
                stamp_of[docs[i]] = stamp;
            }
        } else {
            for (Py_ssize_t i = 0; i < count; i++) {
                int64_t d = docs[i];
                score[d] = kept(score[d], stamp_of[d] == stamp) + scores[i];
                stamp_of[d] = stamp;
            }
        }
        first = 0;
    }
    if (!term->optional || !term->parts[required].count || !nonempty)
        return 0;
    const int64_t *restrict docs = term->parts[required].docs;
    const double *restrict scores = term->parts[required].scores;
    for (Py_ssize_t i = 0; i < term->parts[required].count; i++) {
        int64_t d = docs[i];
        int in = stamp_of[d] == stamp;
        score[d] = score[d] + kept(scores[i], in); /* a document not in the term: never read */
        stamp_of[d] += (uint32_t)in;
    }
    return 1;
}

typedef struct {
    double *score;
    uint32_t *stamp_of;
    uint32_t stamp;
    int boosted, nonempty;
} DenseTerm;

static inline int
dense_in(const DenseTerm *term, int64_t d)
{
    return term->nonempty && term->stamp_of[d] - term->stamp <= 1;
}

static inline double
dense_value(const DenseTerm *term, int64_t d)
{
    double value = term->score[d];
    return term->boosted && term->stamp_of[d] == term->stamp ? value + 0.0 : value;
}

/* combine_clauses over the dense arrays: (docs, scores) bytearrays, or NULL with an exception
 * set. `clause_terms[c]` terms a clause, in order; the documents looked for within [low, high). */
static PyObject *
dense_clauses(const TermParts *terms, Py_ssize_t nterms, const Py_ssize_t *clause_terms, Py_ssize_t nclauses,
              int64_t size, int64_t low, int64_t high)
{
    if (dense_room((size_t)nterms * (size_t)size, nterms) < 0)
        return NULL;
    DenseTerm *dense_terms = PyMem_Calloc(nterms, sizeof(DenseTerm));
    Py_ssize_t *clause_first = PyMem_Calloc(nclauses + 1, sizeof(Py_ssize_t));
    PyObject *docs = NULL, *scores = NULL, *result = NULL;
    if (dense_terms == NULL || clause_first == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t t = 0; t < nterms; t++) {
        DenseTerm *term = &dense_terms[t];
        term->score = dense.scores + (size_t)t * (size_t)size;
        term->stamp_of = dense.stamps + (size_t)t * (size_t)size;
        term->stamp = dense.stamp += 2;
        term->boosted = scatter_term(&terms[t], term->score, term->stamp_of, term->stamp);
        for (Py_ssize_t p = 0; p < terms[t].count - terms[t].optional; p++)
            term->nonempty |= terms[t].parts[p].count > 0;
    }
    for (Py_ssize_t c = 0; c < nclauses; c++)
        clause_first[c + 1] = clause_first[c] + clause_terms[c];
    Py_ssize_t room = high > low ? (Py_ssize_t)(high - low) : 0;
    docs = PyByteArray_FromStringAndSize(NULL, room * 8);
    scores = docs ? PyByteArray_FromStringAndSize(NULL, room * 8) : NULL;
    if (scores == NULL)
        goto done;
    int64_t *found = (int64_t *)PyByteArray_AS_STRING(docs);
    double *score = (double *)PyByteArray_AS_STRING(scores);
    /* the documents in every clause: the range kept to those in the first, then those in the next */
    Py_ssize_t count = 0;
    for (Py_ssize_t c = 0; c < nclauses && (c == 0 || count); c++) {
        const DenseTerm *first = &dense_terms[clause_first[c]], *end = &dense_terms[clause_first[c + 1]];
        Py_ssize_t kept_count = 0, candidates = c == 0 ? room : count;
        if (end - first == 1 && first->nonempty) { /* a clause of one term (an AND's): its stamps alone */
            const uint32_t *restrict stamp_of = first->stamp_of;
            uint32_t stamp = first->stamp;
            for (Py_ssize_t i = 0; i < candidates; i++) {
                int64_t d = c == 0 ? low + i : found[i];
                found[kept_count] = d;
                kept_count += stamp_of[d] - stamp <= 1;
            }
        } else {
            for (Py_ssize_t i = 0; i < candidates; i++) {
                int64_t d = c == 0 ? low + i : found[i];
                int in = 0;
                for (const DenseTerm *term = first; term < end; term++)
                    in |= dense_in(term, d);
                found[kept_count] = d;
                kept_count += in;
            }
        }
        count = kept_count;
    }
    /* their scores: each clause's union (its one term's value as it is, else summed from 0.0
     * over the terms holding the document), summed from 0.0 over the clauses unless only one */
    for (Py_ssize_t c = 0; c < nclauses; c++) {
        const DenseTerm *first = &dense_terms[clause_first[c]], *end = &dense_terms[clause_first[c + 1]];
        const DenseTerm *only = NULL;
        Py_ssize_t nonempty = 0;
        for (const DenseTerm *term = first; term < end; term++) {
            if (term->nonempty) {
                nonempty++;
                only = term;
            }
        }
        for (Py_ssize_t i = 0; i < count; i++) {
            int64_t d = found[i];
            double value;
            if (nonempty == 1) {
                value = dense_value(only, d);
            } else {
                value = 0.0;
                for (const DenseTerm *term = first; term < end; term++) {
                    if (dense_in(term, d))
                        value = value + dense_value(term, d);
                }
            }
            score[i] = nclauses == 1 ? value : c == 0 ? 0.0 + value : score[i] + value;
        }
    }
    if (PyByteArray_Resize(docs, count * 8) < 0 || PyByteArray_Resize(scores, count * 8) < 0)
        goto done;
    result = PyTuple_Pack(2, docs, scores);
done:
    Py_XDECREF(docs);
    Py_XDECREF(scores);
    PyMem_Free(dense_terms);
    PyMem_Free(clause_first);
    return result;
}

PyDoc_STRVAR(combine_clauses_doc,
"combine_clauses(size, clauses, dense=-1) -> (docs, scores) or None\n\n"
"columnar.combine_clauses: the intersection of the clauses, each the union of its terms, each\n"
"term (parts, optional) the union of its parts, then and_maybe the optional part unless it is\n"
"None, as columnar.union, intersection and and_maybe make them, as int64 and float64 bytes.\n"
"An intersection over arrays as long as the index where its lists hold at least half as many\n"
"documents as the range they span, else by merging (`dense` 1 or 0: always or never where it\n"
"can, for the tests and benchmarks).\n"
"None if a part is not as combine() describes or there is no clause (the Python combines them).");

PyDoc_STRVAR(dense_stamp_doc,
"dense_stamp(stamp=None) -> the last stamp given\n\n"
"For the tests: the dense arrays' last stamp, set to `stamp` if given (to reach the end of the\n"
"stamps, where the arrays are cleared and the stamps begin again; set lower, they are cleared).");

static PyObject *
dense_stamp(PyObject *self, PyObject *args)
{
    unsigned long stamp = dense.stamp;
    if (!PyArg_ParseTuple(args, "|k", &stamp))
        return NULL;
    if (stamp > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "a stamp is 32 bits");
        return NULL;
    }
    PyObject *last = PyLong_FromUnsignedLong(dense.stamp);
    if (stamp < dense.stamp && dense.stamps != NULL) /* stamps given before could come again: cleared */
        memset(dense.stamps, 0, dense.entries * sizeof(uint32_t));
    dense.stamp = (uint32_t)stamp;
    return last;
}

static PyObject *
combine_clauses(PyObject *self, PyObject *args)
{
    long long size;
    PyObject *clauses;
    int dense_choice = -1;
    if (!PyArg_ParseTuple(args, "LO!|i", &size, &PyTuple_Type, &clauses, &dense_choice))
        return NULL;
    Py_ssize_t nclauses = PyTuple_GET_SIZE(clauses), nterms = 0;
    if (nclauses == 0 || size < 0)
        Py_RETURN_NONE;
    for (Py_ssize_t c = 0; c < nclauses; c++) {
        if (!PyTuple_Check(PyTuple_GET_ITEM(clauses, c))) {
            PyErr_SetString(PyExc_TypeError, "each clause is a tuple of terms");
            return NULL;
        }
        nterms += PyTuple_GET_SIZE(PyTuple_GET_ITEM(clauses, c));
    }
    PyObject *result = NULL;
    Py_ssize_t parsed = 0, room = nterms + nclauses;
    TermParts *terms = PyMem_Calloc(nterms ? nterms : 1, sizeof(TermParts));
    List *values = PyMem_Calloc(nterms ? nterms : 1, sizeof(List));
    List *clause_values = PyMem_Calloc(nclauses, sizeof(List));
    List *lists = NULL, answer = {NULL, NULL, 0, NULL, NULL};
    Py_ssize_t *clause_terms = NULL;
    if (terms == NULL || values == NULL || clause_values == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* every part read and checked before anything is combined */
    int shaped = 1;
    for (Py_ssize_t c = 0; c < nclauses; c++) {
        PyObject *clause = PyTuple_GET_ITEM(clauses, c);
        for (Py_ssize_t t = 0; t < PyTuple_GET_SIZE(clause); t++) {
            if (term_parts(PyTuple_GET_ITEM(clause, t), &terms[parsed]) < 0)
                goto done;
            for (Py_ssize_t p = 0; p < terms[parsed].count; p++)
                shaped &= shaped_part(&terms[parsed].parts[p], size);
            room += terms[parsed++].count;
        }
    }
    if (!shaped) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    clause_terms = PyMem_Malloc(nclauses * sizeof(Py_ssize_t));
    if (clause_terms == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* the range the answer can be in: any clause's for a union, every clause's for an intersection */
    int64_t low = 0, high = size;
    Py_ssize_t total = 0;
    for (Py_ssize_t c = 0, t = 0; c < nclauses; c++) {
        clause_terms[c] = PyTuple_GET_SIZE(PyTuple_GET_ITEM(clauses, c));
        int64_t clause_low = size, clause_high = 0;
        for (Py_ssize_t end = t + clause_terms[c]; t < end; t++) {
            for (Py_ssize_t p = 0; p < terms[t].count; p++) {
                const Part *part = &terms[t].parts[p];
                total += part->count;
                if (part->count && p < terms[t].count - terms[t].optional) {
                    clause_low = part->docs[0] < clause_low ? part->docs[0] : clause_low;
                    clause_high = part->docs[part->count - 1] + 1 > clause_high ? part->docs[part->count - 1] + 1
                                                                                : clause_high;
                }
            }
        }
        low = c == 0 || clause_low > low ? clause_low : low;
        high = c == 0 || clause_high < high ? clause_high : high;
    }
    /* measured at 10,000 articles: an intersection of lists this dense took half the time over
     * the arrays; a union (one clause) a little more or less, its merges' steps being mostly
     * alike (a word's literal and jieba lists hold nearly the same documents) */
    int worth_it = dense_choice < 0 ? nclauses > 1 && 2 * (int64_t)total >= high - low : dense_choice > 0;
    /* (size_t)size is at most DENSE_MAX_ENTRIES / nterms before it is multiplied: no wrapping */
    if (high > low && nterms > 0 && (uint64_t)size <= DENSE_MAX_ENTRIES / (uint64_t)nterms && worth_it) {
        result = dense_clauses(terms, nterms, clause_terms, nclauses, size, low, high);
        if (result != NULL || !PyErr_ExceptionMatches(PyExc_MemoryError))
            goto done;
        PyErr_Clear(); /* no room for the arrays: merged instead */
    }
    lists = PyMem_Malloc(room * sizeof(List));
    if (lists == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t c = 0; c < nclauses; c++) {
        Py_ssize_t first = at;
        for (Py_ssize_t t = 0; t < PyTuple_GET_SIZE(PyTuple_GET_ITEM(clauses, c)); t++, at++) {
            const TermParts *term = &terms[at];
            Py_ssize_t required = term->count - term->optional;
            for (Py_ssize_t p = 0; p < required; p++)
                lists[p] = borrowed(&term->parts[p]);
            if (python_union(lists, required, size, &values[at]) < 0)
                goto done;
            if (term->optional) {
                List optional = borrowed(&term->parts[required]);
                if (optional.count && values[at].count && add_optional(&values[at], &optional) < 0)
                    goto done;
            }
        }
        for (Py_ssize_t t = first; t < at; t++)
            lists[t - first] = view_of(&values[t]);
        if (python_union(lists, at - first, size, &clause_values[c]) < 0)
            goto done;
    }
    /* columnar.intersection: one clause is its own answer; an empty one leaves none */
    int any_empty = 0;
    for (Py_ssize_t c = 0; c < nclauses; c++) {
        lists[c] = view_of(&clause_values[c]);
        any_empty |= !clause_values[c].count;
    }
    if (nclauses == 1)
        answer = view_of(&clause_values[0]);
    else if (!any_empty && combine_lists(lists, nclauses, size, INTERSECTION, &answer) < 0)
        goto done;
    result = matches_of_list(&answer);
done:
    release_list(&answer);
    for (Py_ssize_t c = 0; clause_values != NULL && c < nclauses; c++)
        release_list(&clause_values[c]);
    for (Py_ssize_t t = 0; values != NULL && t < nterms; t++)
        release_list(&values[t]);
    for (Py_ssize_t t = 0; t < parsed; t++)
        release_parts(terms[t].parts, terms[t].count);
    PyMem_Free(lists);
    PyMem_Free(clause_terms);
    PyMem_Free(terms);
    PyMem_Free(values);
    PyMem_Free(clause_values);
    return result;
}

/* `a` ranks below `b`: a lower score, or the same score and a later document (columnar.order:
 * by score, then by document). */
static inline int
ranks_below(const int64_t *docs, const double *scores, Py_ssize_t a, Py_ssize_t b)
{
    return scores[a] < scores[b] || (scores[a] == scores[b] && docs[a] > docs[b]);
}

static void
sift_down(Py_ssize_t *heap, Py_ssize_t filled, Py_ssize_t at, const int64_t *docs, const double *scores)
{
    for (;;) {
        Py_ssize_t lowest = at, left = 2 * at + 1, right = left + 1;
        if (left < filled && ranks_below(docs, scores, heap[left], heap[lowest]))
            lowest = left;
        if (right < filled && ranks_below(docs, scores, heap[right], heap[lowest]))
            lowest = right;
        if (lowest == at)
            return;
        Py_ssize_t swap = heap[at];
        heap[at] = heap[lowest];
        heap[lowest] = swap;
        at = lowest;
    }
}

PyDoc_STRVAR(top_doc,
"top(docs, scores, limit) -> docs or None\n\n"
"columnar.order's head by score: the first `limit` documents of `docs` (int64) ordered by\n"
"their `scores` (float64), highest first, then by document, as int64 bytes; a heap of `limit`\n"
"instead of a partition and a sort. None if a score is NaN (numpy's sort places those its own\n"
"way), the arrays differ in length or `limit` is not positive.");

static PyObject *
top(PyObject *self, PyObject *args)
{
    Py_buffer docs_view, scores_view;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "y*y*n", &docs_view, &scores_view, &limit))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t *heap = NULL;
    Py_ssize_t count = docs_view.len / 8;
    const int64_t *docs = docs_view.buf;
    const double *scores = scores_view.buf;
    if (docs_view.len % 8 || scores_view.len != docs_view.len || limit <= 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (isnan(scores[i])) {
            result = Py_NewRef(Py_None);
            goto done;
        }
    }
    if (limit > count)
        limit = count;
    heap = PyMem_Malloc((limit ? limit : 1) * sizeof(Py_ssize_t));
    if (heap == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* the lowest-ranked of those kept at the root */
    Py_ssize_t filled = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (filled < limit) {
            Py_ssize_t at = filled++;
            heap[at] = i;
            while (at > 0) {
                Py_ssize_t parent = (at - 1) / 2;
                if (!ranks_below(docs, scores, heap[at], heap[parent]))
                    break;
                Py_ssize_t swap = heap[at];
                heap[at] = heap[parent];
                heap[parent] = swap;
                at = parent;
            }
        } else if (ranks_below(docs, scores, heap[0], i)) {
            heap[0] = i;
            sift_down(heap, filled, 0, docs, scores);
        }
    }
    result = PyByteArray_FromStringAndSize(NULL, filled * 8);
    if (result == NULL)
        goto done;
    int64_t *ordered = (int64_t *)PyByteArray_AS_STRING(result);
    for (Py_ssize_t end = filled; end > 0; end--) { /* the lowest-ranked last */
        ordered[end - 1] = docs[heap[0]];
        heap[0] = heap[end - 1];
        sift_down(heap, end - 1, 0, docs, scores);
    }
done:
    PyMem_Free(heap);
    PyBuffer_Release(&docs_view);
    PyBuffer_Release(&scores_view);
    return result;
}

static PyMethodDef methods[] = {
    {"top", top, METH_VARARGS, top_doc},
    {"and_maybe", and_maybe, METH_VARARGS, and_maybe_doc},
    {"combine", combine, METH_VARARGS, combine_doc},
    {"combine_clauses", combine_clauses, METH_VARARGS, combine_clauses_doc},
    {"dense_stamp", dense_stamp, METH_VARARGS, dense_stamp_doc},
    {"bm25_normed", bm25_normed, METH_VARARGS, bm25_normed_doc},
    {"phrase_keys", phrase_keys, METH_VARARGS, phrase_keys_doc},
    {"bm25", bm25, METH_VARARGS, bm25_doc},
    {"decode", decode, METH_VARARGS, decode_doc},
    {"merge_arrays", merge_arrays, METH_VARARGS, merge_arrays_doc},
    {"gather", gather, METH_VARARGS, gather_doc},
    {"gather_scored", gather_scored, METH_VARARGS, gather_scored_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_columnar",
    "A term's postings decoded whole in compiled code (see columnar.py).", -1, methods,
};

PyMODINIT_FUNC
PyInit__columnar(void)
{
    PyObject *made = PyModule_Create(&module);
    if (made != NULL && (PyModule_AddIntConstant(made, "THREAD_MIN_POSTINGS", THREAD_MIN_POSTINGS) < 0
                         || PyModule_AddIntConstant(made, "THREAD_MIN_SCORED_POSTINGS", THREAD_MIN_SCORED_POSTINGS) < 0)) {
        Py_DECREF(made);
        return NULL;
    }
    return made;
}
