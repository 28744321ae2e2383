#!/usr/bin/python3
"""Writes the PyTorch golden fixtures that the Swift tests compare against.

Each fixture is a small safetensors file in Data/: fixed inputs and parameters, PyTorch's
outputs, a fixed upstream gradient, and PyTorch's gradients with respect to every input and
parameter. Settings (stride, padding, ...) go into the header's __metadata__.

Run with Debian's PyTorch (apt-get install python3-torch), from anywhere:

    /usr/bin/python3 Tests/SHOTVAETests/Fixtures/make_fixtures.py

The fixtures are committed, so the Swift test suite never needs PyTorch. The files are
written without the safetensors package: 8-byte little-endian header length, JSON header,
raw little-endian float32 data.
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "Data")


def write_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        array = tensors[name].detach().cpu().numpy().astype("<f4").copy(order="C")
        blob = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)


def save(name, tensors, metadata=None):
    write_safetensors(os.path.join(OUT, name + ".safetensors"), tensors, metadata)


def backward_with(output, grad_output=None):
    if grad_output is None:
        grad_output = torch.randn_like(output)
    output.backward(grad_output)
    return grad_output


def conv2d_fixture(name, n, cin, h, w, cout, k, stride, padding):
    x, weight, bias = leaf(n, cin, h, w), leaf(cout, cin, k, k, scale=0.3), leaf(cout)
    y = F.conv2d(x, weight, bias, stride=stride, padding=padding)
    gy = backward_with(y)
    save(name, {"input": x, "weight": weight, "bias": bias, "output": y, "grad_output": gy,
                "grad_input": x.grad, "grad_weight": weight.grad, "grad_bias": bias.grad},
         {"stride": stride, "padding": padding})


def conv_transpose2d_fixture(name, n, cin, h, w, cout, k, stride, padding, output_padding):
    x, weight, bias = leaf(n, cin, h, w), leaf(cin, cout, k, k, scale=0.3), leaf(cout)
    y = F.conv_transpose2d(x, weight, bias, stride=stride, padding=padding,
                           output_padding=output_padding)
    gy = backward_with(y)
    save(name, {"input": x, "weight": weight, "bias": bias, "output": y, "grad_output": gy,
                "grad_input": x.grad, "grad_weight": weight.grad, "grad_bias": bias.grad},
         {"stride": stride, "padding": padding, "output_padding": output_padding})


def batch_norm_fixture(name, shape, training):
    c = shape[1]
    x = (torch.randn(*shape) * 2 + 0.5).requires_grad_(True)
    weight, bias = leaf(c), leaf(c)
    running_mean = torch.randn(c) * 0.1
    running_var = torch.rand(c) + 0.5
    mean_before, var_before = running_mean.clone(), running_var.clone()
    y = F.batch_norm(x, running_mean, running_var, weight, bias, training=training,
                     momentum=0.1, eps=1e-5)
    gy = backward_with(y)
    save(name, {"input": x, "weight": weight, "bias": bias, "output": y, "grad_output": gy,
                "grad_input": x.grad, "grad_weight": weight.grad, "grad_bias": bias.grad,
                "running_mean_before": mean_before, "running_var_before": var_before,
                "running_mean_after": running_mean, "running_var_after": running_var},
         {"training": int(training), "momentum": 0.1, "eps": 1e-5})


def log_softmax_fixture():
    x = leaf(5, 7, scale=3.0)
    y = F.log_softmax(x, dim=1)
    gy = backward_with(y)
    save("log_softmax", {"input": x, "output": y, "grad_output": gy, "grad_input": x.grad})


def loss_fixtures():
    b = 6
    # Bernoulli reconstruction: BCE with logits, summed.
    logits, target = leaf(b, 3, 4, 4, scale=2.0), torch.rand(b, 3, 4, 4)
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction="sum")
    loss.backward()
    save("loss_bce_with_logits_sum", {"input": logits, "target": target, "output": loss,
                                      "grad_input": logits.grad})
    # Squared error, summed.
    prediction, target = leaf(b, 10), torch.randn(b, 10)
    loss = F.mse_loss(prediction, target, reduction="sum")
    loss.backward()
    save("loss_mse_sum", {"input": prediction, "target": target, "output": loss,
                          "grad_input": prediction.grad})
    # Cross-entropy of log-probabilities against soft targets, mean over the batch.
    logits = leaf(b, 10, scale=2.0)
    log_p = F.log_softmax(logits, dim=1)
    q = F.softmax(torch.randn(b, 10) * 2, dim=1)
    loss = -torch.mean(torch.sum(q * log_p, dim=1))
    loss.backward()
    save("loss_cross_entropy_soft", {"input": logits, "target": q, "output": loss,
                                     "grad_input": logits.grad})
    # Gaussian KL to N(0, I) from (mu, log sigma), sum over the example, mean over the batch.
    mu, log_sigma = leaf(b, 8), leaf(b, 8, scale=0.5)
    loss = 0.5 * torch.sum(mu * mu + torch.exp(2 * log_sigma) - 2 * log_sigma - 1) / b
    loss.backward()
    save("loss_gaussian_kl", {"mean": mu, "log_sigma": log_sigma, "output": loss,
                              "grad_mean": mu.grad, "grad_log_sigma": log_sigma.grad})
    # Categorical KL to the uniform prior, from logits through log-softmax.
    logits = leaf(b, 10, scale=2.0)
    log_alpha = F.log_softmax(logits, dim=1)
    loss = torch.sum(torch.exp(log_alpha) * (log_alpha - np.log(1.0 / 10))) / b
    loss.backward()
    save("loss_categorical_kl_uniform", {"input": logits, "output": loss,
                                         "grad_input": logits.grad})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(20210203)
    # Small maps (batched im2col path), large maps (per-image path), pointwise, strided 1x1.
    conv2d_fixture("conv2d_s2_p1", 2, 3, 9, 8, 4, 3, 2, 1)
    conv2d_fixture("conv2d_s1_p1_large", 2, 2, 17, 16, 3, 3, 1, 1)
    conv2d_fixture("conv2d_1x1", 3, 5, 4, 4, 6, 1, 1, 0)
    conv2d_fixture("conv2d_1x1_s2", 2, 4, 8, 8, 5, 1, 2, 0)
    conv2d_fixture("conv2d_k4_s2_p1_large", 2, 1, 32, 32, 4, 4, 2, 1)
    conv_transpose2d_fixture("conv_transpose2d_s2_p1", 2, 4, 5, 5, 3, 4, 2, 1, 0)
    conv_transpose2d_fixture("conv_transpose2d_s2_p1_large", 2, 3, 16, 16, 2, 4, 2, 1, 0)
    conv_transpose2d_fixture("conv_transpose2d_s2_p1_op1", 2, 3, 4, 5, 2, 3, 2, 1, 1)
    conv_transpose2d_fixture("conv_transpose2d_1x1", 3, 6, 1, 1, 5, 1, 1, 0, 0)
    batch_norm_fixture("batch_norm_train_4d", (4, 3, 5, 5), True)
    batch_norm_fixture("batch_norm_eval_4d", (4, 3, 5, 5), False)
    batch_norm_fixture("batch_norm_train_2d", (6, 5), True)
    batch_norm_fixture("batch_norm_eval_2d", (6, 5), False)
    log_softmax_fixture()
    loss_fixtures()
    print("wrote", len(os.listdir(OUT)), "fixtures to", OUT)


if __name__ == "__main__":
    main()
