"""Writes test/fixtures/npy/: small .npy/.npz files made by numpy itself, the reference
for src/interop's readers, and expected.json with numpy's own float32 conversion of each.
Run: python3 scripts/make-npy-fixtures.py  (numpy >= 1.17)."""
import json
import os

import numpy as np

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'npy')
os.makedirs(out, exist_ok=True)

base = np.array([[0.5, -1.25], [1 / 3, 2.0e-7], [65504.0, -0.0]], dtype=np.float64)
half = np.array([[0.5, -1.25], [1 / 3, 6.0e-8], [65504.0, -0.0]], dtype=np.float16)  # 6e-8: a subnormal half
expected = {}


def save(name, arr):
    np.save(os.path.join(out, name), arr)
    expected[name] = {'shape': list(arr.shape), 'float32': np.asarray(arr, dtype=np.float32).ravel(order='C').tolist()}


save('f8_3x2.npy', base)
save('f2_3x2.npy', half)
save('f4_fortran_3x2.npy', np.asfortranarray(base.astype(np.float32)))
save('f4_bigendian_3x2.npy', base.astype('>f4'))
save('i8_vector.npy', np.array([3, -1, 7], dtype=np.int64))

# An implicit-style model with float64 factors, deflated (np.savez_compressed).
rng = np.random.default_rng(7)
uf = rng.standard_normal((4, 3))
itf = rng.standard_normal((5, 3))
np.savez_compressed(os.path.join(out, 'implicit_f64.npz'), user_factors=uf, item_factors=itf,
                    regularization=np.float64(0.05), factors=np.int64(3), alpha=np.float64(2.0),
                    iterations=np.int64(7), use_cg=np.bool_(False), cg_steps=np.int64(3),
                    dtype=np.array('float64'), random_state=np.int64(42))
expected['implicit_f64.npz'] = {'user_factors': uf.astype(np.float32).ravel().tolist(),
                                'item_factors': itf.astype(np.float32).ravel().tolist()}

# Pickled object arrays: must be refused, never unpickled.
np.savez(os.path.join(out, 'object_factors.npz'), user_factors=np.array([None, {'a': 1}], dtype=object),
         item_factors=np.zeros((2, 2), dtype=np.float32))
np.save(os.path.join(out, 'object.npy'), np.array([1, 'two', None], dtype=object), allow_pickle=True)

with open(os.path.join(out, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
    f.write('\n')
