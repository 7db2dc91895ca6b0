"""TensorBoard event files, written by hand: TFRecord framing and the few protobuf messages
(Event, Summary, TensorProto) that scalars and histograms need. No TensorFlow, no protobuf.

A record is `length (u64) | masked crc32c of length (u32) | data | masked crc32c of data (u32)`;
the first event of a file says `file_version: "brain.Event:2"`. Summaries are written as
TensorFlow 2's `tf.summary` writes them: tensors tagged with the plugin that displays them.
"""

import itertools
import os
import socket
import struct
import time

import numpy as np

# ---------------------------------------------------------------------------------------------
# crc32c (Castagnoli), table-driven; records are small, so pure Python is fast enough.


def _crc_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """TFRecord's checksum: the crc32c rotated right by 15 bits plus a constant."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    """`data` framed as one TFRecord."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data
            + struct.pack("<I", masked_crc32c(data)))


# ---------------------------------------------------------------------------------------------
# Protobuf wire format: just what the messages below use.


def _varint(value):
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64s are ten-byte varints
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _key(field, wire_type):
    return _varint(field << 3 | wire_type)


def varint_field(field, value):
    return _key(field, 0) + _varint(int(value))


def double_field(field, value):
    return _key(field, 1) + struct.pack("<d", value)


def bytes_field(field, value):
    value = value.encode() if isinstance(value, str) else value
    return _key(field, 2) + _varint(len(value)) + value


# TensorFlow's DataType enum and SummaryMetadata's DataClass.
DT_FLOAT, DT_DOUBLE = 1, 2
DATA_CLASS_SCALAR, DATA_CLASS_TENSOR = 1, 2


def tensor_proto(array):
    """A TensorProto: dtype, shape, and the values as little-endian `tensor_content`."""
    array = np.asarray(array)
    dtype, little = ((DT_DOUBLE, "<f8") if array.dtype == np.float64 else (DT_FLOAT, "<f4"))
    shape = b"".join(bytes_field(2, varint_field(1, n)) for n in array.shape)
    return (varint_field(1, dtype) + bytes_field(2, shape)
            + bytes_field(4, np.ascontiguousarray(array, dtype=little).tobytes()))


def summary_value(tag, array, plugin, data_class):
    """A Summary.Value: tag, metadata naming the plugin, and the tensor."""
    metadata = bytes_field(1, bytes_field(1, plugin)) + varint_field(4, data_class)
    return bytes_field(1, tag) + bytes_field(9, metadata) + bytes_field(8, tensor_proto(array))


def event(step, summary_values=(), file_version=None, wall_time=None):
    """An Event message: wall time, step, and a version string or a Summary."""
    out = double_field(1, time.time() if wall_time is None else wall_time)
    out += varint_field(2, step)
    if file_version is not None:
        out += bytes_field(3, file_version)
    if summary_values:
        out += bytes_field(5, b"".join(bytes_field(1, value) for value in summary_values))
    return out


def histogram_buckets(values, bucket_count=30):
    """`(bucket_count, 3)` float64 rows of (left edge, right edge, count), as tf.summary's
    histograms are stored; a constant tensor puts everything in its last bucket."""
    values = np.asarray(values, dtype="float64").ravel()
    if values.size == 0:
        return np.zeros((bucket_count, 3))
    low, high = values.min(), values.max()
    if low == high:
        buckets = np.zeros((bucket_count, 3))
        buckets[:, :2] = low
        buckets[-1, 2] = values.size
        return buckets
    counts, edges = np.histogram(values, bins=bucket_count, range=(low, high))
    return np.stack([edges[:-1], edges[1:], counts], axis=1).astype("float64")


_counter = itertools.count()


class EventFileWriter:
    """Appends events to a new `events.out.tfevents...` file in `logdir` (created lazily).

    Scalars are buffered and written at `flush()` (and `close()`), so that a batch costs no
    system call.
    """

    def __init__(self, logdir):
        self.logdir = logdir
        self._file = None
        self._pending = []

    def _open(self):
        os.makedirs(self.logdir, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_counter)}.v2")
        self.path = os.path.join(self.logdir, name)
        self._file = open(self.path, "wb")
        self._file.write(tfrecord(event(0, file_version="brain.Event:2")))

    def scalar(self, tag, value, step):
        self._pending.append(event(step, [summary_value(
            tag, np.float32(value), "scalars", DATA_CLASS_SCALAR)]))

    def histogram(self, tag, values, step):
        self._pending.append(event(step, [summary_value(
            tag, histogram_buckets(values), "histograms", DATA_CLASS_TENSOR)]))

    def flush(self):
        if self._file is None:
            if not self._pending:
                return
            self._open()
        self._file.write(b"".join(map(tfrecord, self._pending)))
        self._pending.clear()
        self._file.flush()

    def close(self):
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
