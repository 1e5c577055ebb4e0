"""Dumps an HDF5 file as h5py sees it, for H5dumpInteropTest (run with /usr/bin/python3, which has h5py).

Usage: h5py_dump.py FILE OUT_DIR
Writes OUT_DIR/dump.json:
  {"attrs": {name: {"py_type", "dtype", "value"}},            root attributes; bytes are decoded as UTF-8
   "datasets": {path: {"dtype", "shape", "bin"} |             numbers: raw little-endian bytes in OUT_DIR/<bin>
                       {"dtype", "shape", "string", "text"}}} strings: h5py's string info and the decoded text
Numbers go through binary files, not text, so the Java side can compare them bit for bit.
"""
import json
import os
import sys

import h5py
import numpy as np


def attr_entry(value):
    py_type = type(value).__name__
    dtype = str(getattr(value, "dtype", ""))
    if isinstance(value, (bytes, np.bytes_)):
        value = value.decode("utf-8")
    elif isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    return {"py_type": py_type, "dtype": dtype, "value": value}


def main(path, out):
    os.makedirs(out, exist_ok=True)
    datasets = {}

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        entry = {"dtype": str(obj.dtype), "shape": list(obj.shape)}
        info = h5py.check_string_dtype(obj.dtype)
        if info is not None:
            entry["string"] = {"encoding": info.encoding, "length": info.length}
            text = obj.asstr()[()]
            entry["text"] = text.tolist() if isinstance(text, np.ndarray) else text
        else:
            data = np.asarray(obj[()])
            entry["bin"] = "%d.bin" % len(datasets)
            with open(os.path.join(out, entry["bin"]), "wb") as f:
                f.write(np.ascontiguousarray(data, dtype=data.dtype.newbyteorder("<")).tobytes())
        datasets[name] = entry

    with h5py.File(path, "r") as f:
        attrs = {k: attr_entry(v) for k, v in f.attrs.items()}
        f.visititems(visit)
    with open(os.path.join(out, "dump.json"), "w", encoding="utf-8") as f:
        json.dump({"attrs": attrs, "datasets": datasets}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
