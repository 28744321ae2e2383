#!/usr/bin/python3
"""PyTorch's side of the weight round trip of WeightsTests (Debian's python3-torch), with the
reference models of Benchmarks/peers:

  export DIR   the MNIST reference model (seed 7) as DIR/torch_mnist.safetensors (F32), the same
               model with three tensors stored as F16, BF16 and F64 (their values rounded to
               those types first) as DIR/torch_mnist_mixed.safetensors with its outputs, fixed
               inputs and the reference's outputs on them (DIR/torch_outputs.safetensors,
               DIR/torch_mixed_outputs.safetensors), and the WideResNet reference's state_dict
               names, shapes and data types (DIR/torch_wrn_keys.json).
  import DIR   loads DIR/shotvae_mnist.safetensors into the MNIST reference model with a strict
               load_state_dict and writes its outputs on the same inputs to
               DIR/torch_reimport.safetensors.

safetensors files are read and written here directly (an 8-byte header length, a JSON header,
the data), so that no package besides torch is needed.
"""
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "peers"))
import torch_mnist_vae as mnist  # noqa: E402
import torch_shot_wrn as wrn  # noqa: E402

torch = mnist.torch
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64", torch.int64: "I64"}
TORCH_TYPES = {name: dtype for dtype, name in DTYPES.items()}


def save(tensors, path):
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        tensor = tensor.detach().contiguous()
        data = tensor.view(torch.uint8).numpy().tobytes() if tensor.dtype == torch.bfloat16 else tensor.numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    length = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    tensors = {}
    for name, field in header.items():
        if name == "__metadata__":
            continue
        start, end = field["data_offsets"]
        dtype = TORCH_TYPES[field["dtype"]]
        tensors[name] = torch.frombuffer(bytearray(data[start:end]), dtype=dtype).reshape(field["shape"]).clone()
    return tensors


def outputs(model, inputs):
    model.eval()
    with torch.no_grad():
        mean, logvar, probs = model.encode(inputs["images"])
        decoded = model.decode(inputs["latents"])
    return {"mean": mean, "logvar": logvar, "log_probabilities": torch.log(probs), "decoded": decoded}


def export(folder):
    torch.manual_seed(7)
    model = mnist.MnistSemiVAE()
    inputs = {"images": torch.rand(5, 1, 32, 32) * 2 - 1, "latents": torch.randn(5, 20)}
    save(model.state_dict(), os.path.join(folder, "torch_mnist.safetensors"))
    save({**inputs, **outputs(model, inputs)}, os.path.join(folder, "torch_outputs.safetensors"))
    # Three tensors in other floating-point types, their values rounded to those types first.
    mixed = dict(model.state_dict())
    for name, dtype in [("enc_conv.2.weight", torch.float16), ("dec_fc.2.weight", torch.bfloat16), ("head_logvar.weight", torch.float64)]:
        mixed[name] = mixed[name].to(dtype)
        model.state_dict()[name].copy_(mixed[name].to(torch.float32))
    save(mixed, os.path.join(folder, "torch_mnist_mixed.safetensors"))
    save(outputs(model, inputs), os.path.join(folder, "torch_mixed_outputs.safetensors"))
    keys = {name: {"shape": list(t.shape), "dtype": DTYPES[t.dtype]} for name, t in wrn.ShotVAE().state_dict().items()}
    with open(os.path.join(folder, "torch_wrn_keys.json"), "w") as f:
        json.dump(keys, f)


def reimport(folder):
    model = mnist.MnistSemiVAE()
    model.load_state_dict(load(os.path.join(folder, "shotvae_mnist.safetensors")), strict=True)
    inputs = load(os.path.join(folder, "torch_outputs.safetensors"))
    save(outputs(model, inputs), os.path.join(folder, "torch_reimport.safetensors"))


if __name__ == "__main__":
    {"export": export, "import": reimport}[sys.argv[1]](sys.argv[2])
