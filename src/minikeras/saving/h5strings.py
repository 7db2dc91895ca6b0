"""Variable-length data in an HDF5 file, checked from the file's bytes before libhdf5 reads it.

Variable-length strings (`model_config`, layer and weight names) are stored as descriptors, a
length then the address of a *global heap collection* and an object's index in it; the string
itself is that heap object. libhdf5 trusts both more than it should:

- it loads a collection by stepping from object to object by each object's stored size, and
  loops forever on a free-space object of size 0 (`check_global_heaps` walks every collection
  first, in bounded time);
- it allocates a descriptor's declared length (up to 4 GB) before it looks at the heap, so a
  changed length floods memory whether or not the address still leads to the object
  (`check_descriptors` checks every descriptor libhdf5 could read: every variable-length
  string attribute, and the fill value of every variable-length string dataset, which h5py
  converts whenever it asks for the dataset's creation properties).

The descriptors are found exactly, not by searching: h5py gives each object's header address
and each attribute's type and element count, and the header's messages are walked here (only
the message framing, not their meaning) to find the attribute's stored value or the dataset's
fill value. A descriptor is sound when its address is null (an empty value, never read) or the
object it names exists in a sound collection and holds exactly the declared bytes.
"""

import contextlib
import mmap
import os

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# A global heap collection: "GCOL", version 1, three reserved bytes (which libhdf5 does not
# check, so neither does the scan), then its size.
_HEAP_SIGNATURE = b"GCOL\x01"
# Object header message types (HDF5 file format, section IV.A.2).
_DATATYPE, _OLD_FILL_VALUE, _FILL_VALUE, _ATTRIBUTE, _CONTINUATION = 0x03, 0x04, 0x05, 0x0C, 0x10
_SHARED = 0x02  # a message flag: the message is stored elsewhere
# The strings of a file may declare twice its size and this much more (see `_Checker`).
_STRING_FLOOR_BYTES = 1 << 20
# A damaged header could chain continuation chunks without end; real ones have a few.
_MAX_CHUNKS = 4096


@contextlib.contextmanager
def file_bytes(source):
    """`source`'s bytes (a path or bytes): the bytes themselves, or a read-only map of the file."""
    if isinstance(source, bytes):
        yield source
        return
    with open(source, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


def address_sizes(data):
    """The superblock's "size of offsets" and "size of lengths" (8 unless the file says
    otherwise)."""
    if data[:8] != HDF5_SIGNATURE or len(data) < 16:
        return 8, 8
    # Superblock versions 0 and 1 keep them at bytes 13 and 14, versions 2 and 3 at 9 and 10.
    at = 13 if data[8] in (0, 1) else 9
    return tuple(size if size in (2, 4, 8) else 8 for size in (data[at], data[at + 1]))


def check_global_heaps(data, filepath):
    """The file's global heap collections `{address: {index: size}}`; ValueError if one of
    them would make libhdf5 loop forever or read past the collection.

    Which collections a file uses is only known by parsing the file, so every place the
    signature appears is walked as libhdf5 would walk it (a false candidate inside weight data
    would need these 5 bytes followed by a damaged walk), and a damaged one is refused, naming
    its offset. The walk takes time linear in the collection, which must lie inside the file.
    """
    _, lengths = address_sizes(data)
    heaps = {}
    start = data.find(_HEAP_SIGNATURE)
    while start >= 0:
        problem, heaps[start] = _walk_heap(data, start, lengths)
        if problem:
            raise ValueError(
                f"'{filepath}' is damaged: the HDF5 global heap collection at byte {start} "
                f"{problem}. Refusing to read it (libhdf5 would loop forever or read beyond it)."
            )
        start = data.find(_HEAP_SIGNATURE, start + 1)
    return heaps


def _walk_heap(data, start, lengths):
    """`(what is wrong with the collection at start, or None; its objects {index: size})`,
    walked as libhdf5 walks it."""
    header = 8 + lengths  # signature, version, reserved, size
    object_header = 8 + lengths  # index (2), reference count (2), reserved (4), size
    size = int.from_bytes(data[start + 8:start + header], "little")
    end = start + size
    objects = {}
    if end > len(data):
        return f"declares {size} bytes, past the end of the file ({len(data)} bytes)", objects
    position = start + header
    while position < end:
        if position + object_header > end:
            return None, objects  # a tail too small for an object header is free space
        index = int.from_bytes(data[position:position + 2], "little")
        length = int.from_bytes(data[position + 8:position + object_header], "little")
        # Objects are padded to 8 bytes; the free-space object (index 0) counts its header.
        step = object_header + (length + 7) // 8 * 8 if index else length
        if step == 0:
            return f"holds a free-space object of size 0 at byte {position}", objects
        if position + step > end:
            return f"holds an object at byte {position} of {length} bytes, past its end", objects
        if index:
            objects[index] = length
        position += step
    return None, objects


def check_descriptors(h5file, data, heaps, filepath):
    """ValueError unless every variable-length string libhdf5 could read from the open
    `h5file` (whose bytes are `data`, whose sound collections `heaps`) is sound.

    Every object is visited (h5py's low-level visit: no dataset creation properties asked
    for, nothing converted): its vlen string attributes' values and, for a dataset, its fill
    value. A dataset holding variable-length data other than strings, or references, is
    refused: Keras never writes one, and its fill value could hide descriptors in the heap.
    """
    h5py = _h5py()
    checker = _Checker(data, heaps, filepath)

    def visit(name, info):
        if info.num_attrs == 0 and (info.type != h5py.h5o.TYPE_DATASET
                                    or checker.numeric(info.addr, name)):
            return  # nothing of it is converted (opening every weight would double the cost)
        checker.object(h5py.h5o.open(h5file.id, name), "/" + name.decode("utf8", "replace"), info)

    try:
        checker.object(h5file.id, "/", h5py.h5o.get_info(h5file.id))
        h5py.h5o.visit(h5file.id, visit, info=True)
    except (KeyError, RuntimeError, TypeError) as error:  # h5py's reports of damaged headers
        raise ValueError(f"'{filepath}' is damaged: {error}.") from None
    except OSError as error:
        if isinstance(error, FileNotFoundError) or str(filepath) in str(error):
            raise
        raise OSError(f"'{filepath}' is damaged: {error}.") from None


class _Checker:
    def __init__(self, data, heaps, filepath):
        self.data, self.heaps, self.filepath = data, heaps, filepath
        self.offsets, self.lengths = address_sizes(data)
        # Descriptors may all name one large object, each read anew: the file's strings
        # together may declare what its heaps could hold twice over (a fill value is stored
        # in two messages), plus a floor.
        self.declared, self.budget = 0, 2 * len(data) + _STRING_FLOOR_BYTES

    def object(self, node, name, info):
        h5py = _h5py()
        if info.type == h5py.h5o.TYPE_DATASET:
            self.dataset(node, name, info.addr)
        attributes = [h5py.h5a.open(node, index=index) for index in range(info.num_attrs)]
        if not attributes:
            return
        messages = {}  # name -> [(where its value starts, where its message ends)]
        for kind, _, start, end in self.messages(info.addr, name):
            if kind == _ATTRIBUTE:
                attribute_name, value = self.attribute_message(start, end, name)
                messages.setdefault(attribute_name, []).append((value, end))
        for attribute in attributes:
            attribute_name = attribute.get_name()
            what = f"the attribute '{attribute_name.decode('utf8', 'replace')}' of '{name}'"
            datatype = attribute.get_type()
            count = attribute.get_space().get_simple_extent_npoints()
            if attribute_name not in messages and _is_vlen_string(datatype):
                raise ValueError(
                    f"'{self.filepath}': {what} is stored outside its object header (dense "
                    "attribute storage, which Keras never writes), where its strings cannot be "
                    "checked before libhdf5 reads them; refusing to read the file."
                )
            # Elsewhere (dense storage), libhdf5 bounds a fixed-size value by its message.
            for start, end in messages.get(attribute_name, ()):
                if _is_vlen_string(datatype):
                    self.strings(start, end, count, what)
                elif start + count * datatype.get_size() > end:
                    self.damaged(f"{what} declares {count} values of {datatype.get_size()} "
                                 "bytes, more than its message holds")

    def dataset(self, node, name, address):
        datatype = node.get_type()
        if not _holds_vlen(datatype):
            return
        what = f"the dataset '{name}'"
        if not _is_vlen_string(datatype):
            raise ValueError(
                f"'{self.filepath}': {what} has a type holding variable-length data or "
                "references; Keras stores only numbers in datasets. Refusing to read the file."
            )
        for kind, _, start, end in self.messages(address, name):
            fill = self.fill_value(kind, start, end)
            if fill is not None:
                self.strings(fill, end, 1 if fill < end else 0, f"the fill value of {what}")

    def strings(self, start, end, count, what):
        """Check the `count` descriptors stored from `start` (within a message ending at
        `end`)."""
        size = 4 + self.offsets + 4  # length, collection address, object index
        if start + count * size > end:
            self.damaged(f"{what} declares {count} strings, more than its message holds")
        for at in range(start, start + count * size, size):
            length = _int(self.data, at, 4)
            address = _int(self.data, at + 4, self.offsets)
            index = _int(self.data, at + 4 + self.offsets, 4)
            if address == 0:
                continue  # a null string: libhdf5 neither allocates nor loads anything
            # Even an empty string names its (empty) object: libhdf5 would load that collection.
            objects = self.heaps.get(address)
            found = (f"no heap collection is at byte {address}" if objects is None
                     else f"its heap collection has no object {index}" if index not in objects
                     else None if objects[index] == length
                     else f"its heap object holds {objects[index]}")
            if found:
                self.damaged(f"a variable-length string of {what} (at byte {at}) declares "
                             f"{length} bytes, where {found}. Refusing to read it (libhdf5 "
                             "would allocate the declared size first)")
            self.declared += length
            if self.declared > self.budget:
                self.damaged(f"its variable-length strings declare {self.declared} bytes up to "
                             f"{what}, more than twice the file's {len(self.data)} bytes (many "
                             "strings naming one heap object). Refusing to read them")

    def numeric(self, address, name):
        """Whether the header at `address` says, unshared, that its dataset holds integers or
        floats (datatype classes 0 and 1)."""
        types = [self.data[start] & 0x0F if not flags & _SHARED else None
                 for kind, flags, start, _ in self.messages(address, name) if kind == _DATATYPE]
        return bool(types) and all(kind in (0, 1) for kind in types)

    def messages(self, address, name):
        """`(type, flags, start, end)` of each message in the object header at `address`, in all
        its chunks."""
        data = self.data
        if data[address:address + 4] == b"OHDR":  # version 2
            flags = data[address + 5]
            at = address + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
            width = 1 << (flags & 3)
            chunks = [(at + width, at + width + _int(data, at, width))]
            prefix = 6 if flags & 0x04 else 4  # type (1), size (2), flags (1), order (2)
        elif data[address:address + 1] == b"\x01":  # version 1: 16 bytes, then the messages
            chunks = [(address + 16, address + 16 + _int(data, address + 8, 4))]
            prefix = 8  # type (2), size (2), flags (1), reserved (3)
        else:
            self.damaged(f"the object header of '{name}' at byte {address} is not one")
        seen = set()
        while chunks:
            start, end = chunks.pop()
            if end > len(data) or (start, end) in seen or len(seen) > _MAX_CHUNKS:
                self.damaged(f"the object header of '{name}' has a chunk at byte {start} "
                             "that repeats or lies past the end of the file")
            seen.add((start, end))
            while start + prefix <= end:
                kind = data[start] if prefix < 8 else _int(data, start, 2)
                size = _int(data, start + (1 if prefix < 8 else 2), 2)
                flags = data[start + (3 if prefix < 8 else 4)]
                body, start = start + prefix, start + prefix + size
                if start > end:
                    self.damaged(f"a message of the object header of '{name}' runs past its "
                                 "chunk")
                if kind == _CONTINUATION:
                    at = _int(data, body, self.offsets)
                    length = _int(data, body + self.offsets, self.lengths)
                    # A version 2 chunk is "OCHK", its messages, then a checksum.
                    chunks.append((at + 4, at + length - 4) if prefix < 8 else (at, at + length))
                else:
                    yield kind, flags, body, start

    def attribute_message(self, start, end, name):
        """`(name, where its value starts)` of the attribute message at `start`."""
        data = self.data
        version = data[start]
        sizes = [_int(data, start + 2 + 2 * i, 2) for i in range(3)]  # name, type, space
        if version == 1:  # each field padded to 8 bytes
            sizes = [(size + 7) // 8 * 8 for size in sizes]
        elif version not in (2, 3):
            self.damaged(f"an attribute of '{name}' has the unknown message version {version}")
        at = start + (9 if version == 3 else 8)  # v3 adds the name's character set
        attribute_name = bytes(data[at:at + sizes[0]]).split(b"\0")[0]
        return attribute_name, at + sum(sizes)

    def fill_value(self, kind, start, end):
        """Where a fill value message's value starts (`end` if it has none), or None if the
        message is not a fill value."""
        data = self.data
        if kind == _OLD_FILL_VALUE:
            return start + 4 if _int(data, start, 4) else end
        if kind != _FILL_VALUE:
            return None
        version = data[start]
        if version in (1, 2):  # version, allocation time, write time, defined, [size, value]
            defined = version == 1 or data[start + 3]
            return start + 8 if defined and _int(data, start + 4, 4) else end
        # version 3: flags bit 5 says a value follows (size, value)
        return start + 6 if data[start + 1] & 0x20 and _int(data, start + 2, 4) else end

    def damaged(self, problem):
        raise ValueError(f"'{self.filepath}' is damaged: {problem}.")


def _int(data, at, width):
    return int.from_bytes(data[at:at + width], "little")


def _is_vlen_string(datatype):
    h5py = _h5py()
    return isinstance(datatype, h5py.h5t.TypeStringID) and datatype.is_variable_str()


def _holds_vlen(datatype):
    """Whether values of this HDF5 type hold variable-length data or references, which
    libhdf5 reads from elsewhere in the file when it converts them."""
    h5t = _h5py().h5t
    kind = datatype.get_class()
    if kind in (h5t.VLEN, h5t.REFERENCE):
        return True
    if kind == h5t.STRING:
        return datatype.is_variable_str()
    if kind == h5t.COMPOUND:
        return any(_holds_vlen(datatype.get_member_type(i))
                   for i in range(datatype.get_nmembers()))
    if kind == h5t.ARRAY:
        return _holds_vlen(datatype.get_super())
    return False


def _h5py():
    global _h5py_module
    if _h5py_module is None:
        import h5py  # lazily, as h5io does: `import minikeras` must stay fast

        _h5py_module = h5py
    return _h5py_module


_h5py_module = None
