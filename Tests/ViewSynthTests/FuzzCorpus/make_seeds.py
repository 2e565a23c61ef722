# Writes the seed inputs of the fuzz corpus (one folder per FuzzEntry target): python3 make_seeds.py <FuzzCorpus folder>.
# Needs libturbojpeg (the JPEG seed). Crash inputs found by fuzzing are added beside the seeds as crash-<hash>.
import ctypes, struct, zlib, json, os, sys
out = sys.argv[1]
def put(target, name, data):
    d = os.path.join(out, target); os.makedirs(d, exist_ok=True)
    if isinstance(data, str): data = data.encode()
    open(os.path.join(d, name), 'wb').write(data)

# --- images
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
def png(w, h, ctype, rows=None, depth=8):
    ihdr = struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0)
    data = b'' if rows is None else chunk(b'IDAT', zlib.compress(rows))
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + data + chunk(b'IEND', b'')
put('image', 'rgb-2x2.png', png(2, 2, 2, b''.join(b'\x00' + bytes([10, 20, 30] * 2) for _ in range(2))))
put('image', 'gray-3x1.png', png(3, 1, 0, b'\x00\x01\x02\x03'))
put('image', 'rgba-1x1.png', png(1, 1, 6, b'\x00\x01\x02\x03\x04'))
put('image', 'gray-16384x16384-header.png', png(16384, 16384, 0))   # triples past the budget as RGB
put('image', 'side-40000-header.png', png(40000, 1, 0))
tj = ctypes.CDLL('libturbojpeg.so.0')
tj.tjInitCompress.restype = ctypes.c_void_p
h = tj.tjInitCompress()
w, hh = 4, 3
src = (ctypes.c_ubyte * (w * hh * 3))(*([200, 100, 50] * (w * hh)))
buf = ctypes.POINTER(ctypes.c_ubyte)(); size = ctypes.c_ulong(0)
# TJPF_RGB = 0, TJSAMP_444 = 0
rc = tj.tjCompress2(ctypes.c_void_p(h), src, w, 0, hh, 0, ctypes.byref(buf), ctypes.byref(size), 0, 90, 0)
assert rc == 0, rc
put('image', 'rgb-4x3.jpg', bytes(buf[:size.value]))

# --- npy
def npy(shape, values, descr='<f8'):
    st = '(' + ', '.join(map(str, shape)) + (',)' if len(shape) == 1 else ')')
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, st)
    pad = (64 - (10 + len(header) + 1) % 64) % 64
    header += ' ' * pad + '\n'
    body = struct.pack('<%dd' % len(values), *values) if descr == '<f8' else struct.pack('<%df' % len(values), *values)
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode() + body
def row(x, hwf=(36, 48, 40)):
    R = [[0, 1, 0], [1, 0, 0], [0, 0, -1]]   # a rotation (det +1): columns down, right, back
    m = []
    for i in range(3): m += R[i] + [x if i == 0 else 0, hwf[i]]
    return m + [2, 8]
poses = row(0) + row(0.2)
put('npy', 'poses-2x17.npy', npy((2, 17), poses))
put('npy', 'f4-3.npy', npy((3,), [1, 2, 3], '<f4'))
put('npy', 'shape-overflow.npy', npy((2**40, 2**40, 2**40), []))
put('npy', 'shape-huge.npy', npy((2**31, 17), []))
put('llff', 'two-views.npy', npy((2, 17), poses))
put('llff', 'hwf-width-1e20.npy', npy((2, 17), row(0, (36, 1e20, 40)) + row(0.2, (36, 1e20, 40))))
put('llff', 'hwf-nan.npy', npy((1, 17), row(0, (float('nan'), 48, 40))))
put('llff', 'rows-1e6.npy', npy((1000000, 17), []))

# --- COLMAP text
cams = "# Camera list\n1 PINHOLE 48 36 40 40 24 18\n2 SIMPLE_RADIAL 48 36 40 24 18 0.01\n"
imgs = "# Image list\n1 1 0 0 0 0 0 0 1 000.png\n\n2 1 0 0 0 0.2 0 0 2 001.png\n1.0 2.0 -1\n"
# The first byte selects the file (LoaderFuzzEntry.split): c = cameras, i = images, p = points3D.
put('colmap-text', 'cameras.txt', "c" + cams)
put('colmap-text', 'images.txt', "i" + imgs)
put('colmap-text', 'images-without-points2d.txt', "i1 1 0 0 0 0 0 0 1 000.png\n2 1 0 0 0 0.2 0 0 1 001.png\n3 1 0 0 0 0.4 0 0 1 002.png\n")
put('colmap-text', 'duplicate-image-ids.txt', "i1 1 0 0 0 0 0 0 1 000.png\n\n1 1 0 0 0 0.2 0 0 1 001.png\n\n")
put('colmap-text', 'duplicate-camera-ids.txt', "c1 PINHOLE 48 36 40 40 24 18\n1 PINHOLE 48 36 40 40 24 18\n")
put('colmap-text', 'camera-width-1e11.txt', "c1 PINHOLE 99999999999 36 40 40 24 18\n")
put('colmap-text', 'camera-width-2e63.txt', "c1 PINHOLE 9223372036854775808 36 40 40 24 18\n")
put('colmap-text', 'points3D.txt', "p1 0.5 0.5 4 128 128 128 0.1 1 0\n")

# --- COLMAP binary
def cam_bin(cid, model, w, h, params):
    return struct.pack('<iiQQ', cid, model, w, h) + struct.pack('<%dd' % len(params), *params)
put('colmap-binary', 'cameras.bin', b'c' + struct.pack('<Q', 1) + cam_bin(1, 1, 48, 36, [40, 40, 24, 18]))
put('colmap-binary', 'camera-width-2e63.bin', b'c' + struct.pack('<Q', 1) + cam_bin(1, 1, 2**63, 36, [40, 40, 24, 18]))
img = struct.pack('<i', 1) + struct.pack('<7d', 1, 0, 0, 0, 0, 0, 0) + struct.pack('<i', 1) + b'000.png\x00' + struct.pack('<Q', 1) + struct.pack('<ddq', 1, 2, -1)
put('colmap-binary', 'images.bin', b'i' + struct.pack('<Q', 1) + img)
put('colmap-binary', 'points2d-count-huge.bin', b'i' + struct.pack('<Q', 1) + img[:-32] + struct.pack('<Q', 2**62))
pt = struct.pack('<Q', 1) + struct.pack('<3d', 0.5, 0.5, 4) + bytes([1, 2, 3]) + struct.pack('<d', 0.1) + struct.pack('<Q', 1) + struct.pack('<ii', 1, 0)
put('colmap-binary', 'duplicate-image-ids.bin', b'i' + struct.pack('<Q', 2) + img + img.replace(b'000.png', b'001.png'))
put('colmap-binary', 'points3D.bin', b'p' + struct.pack('<Q', 1) + pt)

# --- transforms JSON
I = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
fr = lambda i: {"file_path": "./train/r_%d" % i, "transform_matrix": I}
put('blender', 'two-frames.json', json.dumps({"camera_angle_x": 0.8, "frames": [fr(0), fr(1)]}))
put('blender', 'h-1e300.json', json.dumps({"camera_angle_x": 0.8, "w": 48, "h": 1e300, "frames": [fr(0)]}))
put('blender', 'angle-0.json', json.dumps({"camera_angle_x": 0, "frames": [fr(0)]}))
put('blender', 'opencv-w-h.json', json.dumps({"fl_x": 40, "fl_y": 40, "cx": 24, "cy": 18, "w": 48, "h": 36, "k1": 0.01,
                                             "camera_model": "OPENCV", "near": 2, "far": 8, "frames": [fr(0)]}))
ngp = {"fl_x": 40, "w": 48, "h": 36, "frames": [{"file_path": "images/000.png", "transform_matrix": I},
                                                 {"file_path": "images/001.png", "transform_matrix": I}],
       "train_filenames": ["images/000.png"], "test_filenames": ["images/001.png"], "near_far": [2, 8]}
put('instant-ngp', 'split-lists.json', json.dumps(ngp))
ngp2 = dict(ngp); ngp2["test_filenames"] = ["images/999.png"]
put('instant-ngp', 'unknown-split-entry.json', json.dumps(ngp2))
put('instant-ngp', 'w-negative.json', json.dumps({"fl_x": 40, "w": -48, "h": 36, "frames": ngp["frames"]}))

# --- safetensors
def st(header):
    b = json.dumps(header).encode()
    b += b' ' * ((8 - len(b) % 8) % 8)
    return struct.pack('<Q', len(b)) + b
meta = {"model": "gpnr", "config": json.dumps({"base": "tiny"}), "step": "3", "provenance": "fuzz"}
put('safetensors', 'small.safetensors', st({"__metadata__": meta, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}) + b'\0' * 8)
put('safetensors', 'offsets-1-minus-2e63.safetensors', st({"__metadata__": meta, "a": {"dtype": "F32", "shape": [2], "data_offsets": [1, -2**63]}}) + b'\0' * 8)
meta2 = dict(meta); meta2["config"] = json.dumps({"width": 2**62})
put('safetensors', 'config-width-2e62.safetensors', st({"__metadata__": meta2}))
meta3 = dict(meta); meta3["config"] = json.dumps({"width": 4096, "mlpWidth": 16384, "crossViewLayers": 64, "epipolarLayers": 64, "viewLayers": 64, "heads": 1})
put('safetensors', 'config-huge-but-in-field-bounds.safetensors', st({"__metadata__": meta3}))

# --- camera_path.json
cp = lambda fov=50, **kw: json.dumps(dict({"render_height": 36, "render_width": 48, "camera_path": [{"camera_to_world": sum(I, []), "fov": fov}]}, **kw))
put('camera-path', 'one-camera.json', cp())
put('camera-path', 'height-negative.json', cp(render_height=-36))
put('camera-path', 'height-1e300.json', cp(render_height=1e300))
put('camera-path', 'pixels-2e31.json', cp(render_height=32768, render_width=32768))
put('camera-path', 'aspect-2e63.json', json.dumps({"render_height": 36, "camera_path": [{"camera_to_world": sum(I, []), "fov": 50, "aspect": 2.0**63}]}))
for f in (0, 180, 360):
    put('camera-path', 'fov-%d.json' % f, cp(fov=f))
put('camera-path', 'fisheye.json', cp(camera_type="fisheye"))
put('camera-path', 'fov-string.json', cp(fov="wide"))

# --- nerfstudio dataparser_transforms.json
dt = lambda transform=[[1, 0, 0, 0.5], [0, 1, 0, -1], [0, 0, 1, 2]], scale=0.25: json.dumps({"transform": transform, "scale": scale}, indent=4)
put('dataparser-transforms', 'identity-shift.json', dt())
put('dataparser-transforms', 'scale-nan.json', dt(scale=float('nan')))   # Python's json writes a bare NaN
put('dataparser-transforms', 'scale-0.json', dt(scale=0))
put('dataparser-transforms', 'singular.json', dt(transform=[[1, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]]))
put('dataparser-transforms', 'reflection.json', dt(transform=[[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]))
put('dataparser-transforms', 'rows-2.json', dt(transform=[[1, 0, 0, 0], [0, 1, 0, 0]]))

# --- sweep config
put('sweep-config', 'planes.json', '{"planes": 16, "cost": "ncc", "nccWindow": 5}')
put('sweep-config', 'ncc-window-100001.json', '{"nccWindow": 100001}')
put('sweep-config', 'planes-1e9.json', '{"planes": 1000000000}')
put('sweep-config', 'planes-1e300.json', '{"planes": 1e300}')
put('sweep-config', 'not-an-object.json', '[1, 2, 3]')

# --- model config
put('model-config', 'paper.json', '{"base": "paper", "samples": 64}')
put('model-config', 'width-2e62.json', '{"width": 4611686018427387904}')
put('model-config', 'samples-1e5.json', '{"samples": 100000}')
put('model-config', 'samples-int-max.json', '{"samples": 9223372036854775807}')
put('model-config', 'layers-1e9.json', '{"crossViewLayers": 1000000000}')
put('model-config', 'huge-product.json', '{"width": 4096, "mlpWidth": 16384, "heads": 1, "crossViewLayers": 64, "epipolarLayers": 64, "viewLayers": 64}')
put('model-config', 'guidance.json', '{"base": "guided", "guidance": {"planes": 32}}')
