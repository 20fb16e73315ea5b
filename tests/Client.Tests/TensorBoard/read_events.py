#!/usr/bin/python3
"""Reads TensorBoard event files independently of the code that wrote them and prints what they hold as JSON.

Usage: read_events.py EVENT_FILE [EVENT_FILE ...]

Hand-written because TensorFlow (which has a reader) is not available here: only Debian's python3-protobuf. It checks
the TFRecord framing of every record (uint64 length, masked CRC32C of the length, the data, masked CRC32C of the data)
and decodes each record as a tensorflow.Event with message classes built at run time from a descriptor of the fields
of event.proto and summary.proto that a scalar or image log uses (unknown fields are skipped by protobuf).

Output: {"files": [...], "records": n, "file_versions": [...],
         "scalars": {tag: [[step, value], ...]},
         "images": {tag: [[step, width, height, png_width, png_height, png_bytes], ...]}}
Non-finite values are printed as the strings "inf", "-inf", "nan" (JSON has no such numbers).
A framing or CRC error, or a record that does not decode, exits 1 with the reason on stderr.
"""

import json
import math
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_CRC32C_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C_TABLE.append(_c)


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord uses."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _event_class():
    """tensorflow.Event with Summary, Summary.Value and Summary.Image: the fields a scalar or image log uses."""
    f = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="u2pl_test_event.proto", package="tensorflow", syntax="proto3")

    def field(message, name, number, kind, type_name=None, repeated=False, oneof=None):
        added = message.field.add(name=name, number=number, type=kind,
                                  label=f.LABEL_REPEATED if repeated else f.LABEL_OPTIONAL)
        if type_name:
            added.type_name = type_name
        if oneof is not None:
            added.oneof_index = oneof

    summary = proto.message_type.add(name="Summary")
    image = summary.nested_type.add(name="Image")
    field(image, "height", 1, f.TYPE_INT32)
    field(image, "width", 2, f.TYPE_INT32)
    field(image, "colorspace", 3, f.TYPE_INT32)
    field(image, "encoded_image_string", 4, f.TYPE_BYTES)
    value = summary.nested_type.add(name="Value")
    value.oneof_decl.add(name="value")  # so that a simple_value of 0 is told from none
    field(value, "tag", 1, f.TYPE_STRING)
    field(value, "simple_value", 2, f.TYPE_FLOAT, oneof=0)
    field(value, "image", 4, f.TYPE_MESSAGE, ".tensorflow.Summary.Image", oneof=0)
    field(summary, "value", 1, f.TYPE_MESSAGE, ".tensorflow.Summary.Value", repeated=True)

    event = proto.message_type.add(name="Event")
    field(event, "wall_time", 1, f.TYPE_DOUBLE)
    field(event, "step", 2, f.TYPE_INT64)
    field(event, "file_version", 3, f.TYPE_STRING)
    field(event, "summary", 5, f.TYPE_MESSAGE, ".tensorflow.Summary")

    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    descriptor = pool.FindMessageTypeByName("tensorflow.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def records(path):
    """The data of each TFRecord in the file, its framing and both CRCs checked."""
    with open(path, "rb") as stream:
        content = stream.read()
    offset = 0
    index = 0
    while offset < len(content):
        if len(content) - offset < 12:
            raise ValueError(f"{path}: record {index} at byte {offset}: truncated header")
        header = content[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", content[offset + 8:offset + 12])
        if length_crc != masked_crc32c(header):
            raise ValueError(f"{path}: record {index} at byte {offset}: length CRC {length_crc:#010x} != {masked_crc32c(header):#010x}")
        start = offset + 12
        end = start + length
        if end + 4 > len(content):
            raise ValueError(f"{path}: record {index} at byte {offset}: length {length} runs past the end of the file")
        data = content[start:end]
        (data_crc,) = struct.unpack("<I", content[end:end + 4])
        if data_crc != masked_crc32c(data):
            raise ValueError(f"{path}: record {index} at byte {offset}: data CRC {data_crc:#010x} != {masked_crc32c(data):#010x}")
        yield data
        offset = end + 4
        index += 1


def png_size(data: bytes):
    """(width, height) from a PNG's IHDR, or None when the bytes are not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def number(value: float):
    return value if math.isfinite(value) else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))


def main(paths):
    event_class = _event_class()
    result = {"files": paths, "records": 0, "file_versions": [], "scalars": {}, "images": {}}
    for path in paths:
        for data in records(path):
            event = event_class()
            event.ParseFromString(data)
            result["records"] += 1
            if event.file_version:
                result["file_versions"].append(event.file_version)
            for value in event.summary.value:
                kind = value.WhichOneof("value")
                if kind == "simple_value":
                    result["scalars"].setdefault(value.tag, []).append([event.step, number(value.simple_value)])
                elif kind == "image":
                    encoded = value.image.encoded_image_string
                    size = png_size(encoded) or (0, 0)
                    result["images"].setdefault(value.tag, []).append(
                        [event.step, value.image.width, value.image.height, size[0], size[1], len(encoded)])
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    try:
        main(sys.argv[1:])
    except ValueError as error:
        sys.exit(f"read_events: {error}")
