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


class Residual(torch.nn.Module):
    """body(x) + shortcut(x), with the attribute names of SHOTVAE's Residual layer."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + (self.shortcut(x) if self.shortcut is not None else x)


def layer_fixture(name, module, input_shape, training):
    """A module's parameters (param/<name>), buffers before and after (buffer_before/,
    buffer_after/), input, output, upstream gradient and every gradient (grad/<name>)."""
    nn = torch.nn
    module.train(training)
    tensors = {}
    for key, value in module.state_dict().items():
        if key.endswith("num_batches_tracked"):
            continue
        prefix = "param/" if key in dict(module.named_parameters()) else "buffer_before/"
        tensors[prefix + key] = value.clone()
    x = torch.randn(*input_shape).requires_grad_(True)
    y = module(x)
    gy = backward_with(y)
    tensors.update({"input": x, "output": y, "grad_output": gy, "grad_input": x.grad})
    for key, p in module.named_parameters():
        tensors["grad/" + key] = p.grad
    for key, b in module.named_buffers():
        if not key.endswith("num_batches_tracked"):
            tensors["buffer_after/" + key] = b
    save(name, tensors, {"training": int(training)})


def layer_fixtures():
    nn = torch.nn

    def encoder():
        return nn.Sequential(
            nn.Conv2d(1, 4, 3, 2, 1), nn.BatchNorm2d(4), nn.LeakyReLU(0.1),
            nn.Conv2d(4, 8, 3, 1, 1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 4 * 4, 10), nn.Tanh())

    net = encoder()
    with torch.no_grad():  # non-trivial batch-norm parameters and statistics
        net[1].weight.uniform_(0.5, 1.5)
        net[1].bias.uniform_(-0.5, 0.5)
        net[1].running_mean.uniform_(-0.2, 0.2)
        net[1].running_var.uniform_(0.5, 1.5)
    layer_fixture("layers_encoder_train", net, (3, 1, 8, 8), True)
    net = encoder()
    with torch.no_grad():
        net[1].running_mean.uniform_(-0.2, 0.2)
        net[1].running_var.uniform_(0.5, 1.5)
    layer_fixture("layers_encoder_eval", net, (3, 1, 8, 8), False)
    decoder = nn.Sequential(
        nn.ConvTranspose2d(3, 4, 4, 2, 1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.ConvTranspose2d(4, 2, 4, 2, 1, bias=False), nn.Sigmoid())
    layer_fixture("layers_decoder_train", decoder, (2, 3, 3, 3), True)
    block = Residual(
        nn.Sequential(nn.BatchNorm2d(3), nn.LeakyReLU(0.1), nn.Conv2d(3, 5, 3, 2, 1, bias=False)),
        nn.Conv2d(3, 5, 1, 2, 0, bias=False))
    layer_fixture("layers_residual_train", block, (4, 3, 6, 6), True)
    identity = Residual(nn.Sequential(nn.Linear(6, 6), nn.Sigmoid()))
    layer_fixture("layers_residual_identity", identity, (5, 6), True)
    pooled = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3), nn.AdaptiveAvgPool2d(1),
                           nn.Flatten(), nn.BatchNorm1d(3), nn.Linear(3, 2))
    layer_fixture("layers_pooled_train", pooled, (6, 2, 4, 4), True)


def optimizer_fixture(name, make, settings):
    """Initial parameters, three fixed gradients and the parameters after each step."""
    params = [torch.randn(4, 3).requires_grad_(True), torch.randn(5).requires_grad_(True)]
    tensors = {"initial.0": params[0].detach().clone(), "initial.1": params[1].detach().clone()}
    opt = make(params)
    for step in range(1, 4):
        for i, p in enumerate(params):
            p.grad = torch.randn_like(p)
            tensors[f"gradient{step}.{i}"] = p.grad.clone()
        opt.step()
        for i, p in enumerate(params):
            tensors[f"after{step}.{i}"] = p.detach().clone()
    save(name, tensors, settings)


def optimizer_fixtures():
    optim = torch.optim
    optimizer_fixture("optimizer_sgd_nesterov",
                      lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4),
                      {"lr": 0.1, "momentum": 0.9, "nesterov": 1, "weight_decay": 5e-4})
    optimizer_fixture("optimizer_sgd_momentum",
                      lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4),
                      {"lr": 0.1, "momentum": 0.9, "nesterov": 0, "weight_decay": 5e-4})
    optimizer_fixture("optimizer_adam", lambda p: optim.Adam(p, lr=1e-2),
                      {"lr": 1e-2, "weight_decay": 0})
    optimizer_fixture("optimizer_adam_l2", lambda p: optim.Adam(p, lr=1e-2, weight_decay=1e-2),
                      {"lr": 1e-2, "weight_decay": 1e-2})
    optimizer_fixture("optimizer_adamw", lambda p: optim.AdamW(p, lr=1e-2, weight_decay=1e-2),
                      {"lr": 1e-2, "weight_decay": 1e-2})


def schedule_fixtures():
    """The learning rate of each epoch under MultiStepLR and CosineAnnealingLR."""
    def rates(make, epochs):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=0.1)
        sched = make(opt)
        out = []
        for _ in range(epochs):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return torch.tensor(out, dtype=torch.float64)

    save("schedule_multistep", {"rates": rates(
        lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[3, 5, 8], gamma=0.1), 12)},
        {"initial": 0.1, "milestones": "3,5,8", "gamma": 0.1})
    save("schedule_cosine", {"rates": rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 11)},
        {"initial": 0.1, "total": 10, "minimum": 0.001})


# ---------------------------------------------------------------------------------------------
# Objectives: Method.md sections 2-4 on a small MLP VAE with injected random draws.

OBJECTIVE_WEIGHTS = dict(ew=0.7, bc=0.3, bd=0.2, cc=0.5, cd=0.4, pw=0.6, a=1.3, ucw=0.9)
TAU = 0.67


def mlp_vae_parameters(pixels=16, hidden=8, latent=3, classes=4):
    """Weights under SHOTVAE's names for SemiSupervisedVAE.multilayerPerceptron."""
    shapes = {
        "encoder.1": (hidden, pixels), "encoder.3": (hidden, hidden),
        "continuousHead.mean": (latent, hidden), "continuousHead.logSigma": (latent, hidden),
        "discreteHead.logits": (classes, hidden),
        "decoder.0": (hidden, latent + classes), "decoder.2": (hidden, hidden), "decoder.4": (pixels, hidden),
    }
    params = {}
    for name, (rows, cols) in shapes.items():
        params[name + ".weight"] = (torch.randn(rows, cols) / cols ** 0.5).requires_grad_(True)
        params[name + ".bias"] = (torch.randn(rows) * 0.1).requires_grad_(True)
    return params


def linear(p, name, x):
    return F.linear(x, p[name + ".weight"], p[name + ".bias"])


def encode(p, x):
    h = F.relu(linear(p, "encoder.3", F.relu(linear(p, "encoder.1", x.flatten(1)))))
    return (linear(p, "continuousHead.mean", h), linear(p, "continuousHead.logSigma", h),
            F.log_softmax(linear(p, "discreteHead.logits", h), dim=1))


def decode(p, z, y, tanh):
    d = F.relu(linear(p, "decoder.2", F.relu(linear(p, "decoder.0", torch.cat([z, y], dim=1)))))
    d = linear(p, "decoder.4", d)
    return (torch.tanh(d) if tanh else d).view(-1, 1, 4, 4)


def evidence(x, out, mu, log_sigma, log_alpha, gaussian, terms, part):
    """R + bc |KLc - Cc| + bd |KLd - Cd| and its terms."""
    w = OBJECTIVE_WEIGHTS
    b, k = x.shape[0], log_alpha.shape[1]
    if gaussian:
        r = ((out - x) ** 2).sum() / b
    else:
        r = F.binary_cross_entropy_with_logits(out, x, reduction="sum") / b
    klc = 0.5 * (mu * mu + torch.exp(2 * log_sigma) - 2 * log_sigma - 1).sum() / b
    kld = (torch.exp(log_alpha) * (log_alpha + np.log(k))).sum() / b
    terms[part + ".reconstruction"] = r
    terms[part + ".continuousKL"] = klc
    terms[part + ".discreteKL"] = kld
    prior = w["bc"] * torch.abs(klc - w["cc"]) + w["bd"] * torch.abs(kld - w["cd"])
    terms[part + ".continuousCapacity"] = torch.tensor(float(w["cc"]))
    terms[part + ".discreteCapacity"] = torch.tensor(float(w["cd"]))
    terms[part + ".prior"] = prior
    return r + prior


def class_loss(log_alpha, q, kind):
    if kind == "bce":
        return F.binary_cross_entropy(torch.exp(log_alpha), q)
    return -torch.mean(torch.sum(q * log_alpha, dim=1))


def optimal_match(mu, log_sigma):
    """argmin over j != i of KL(N(mu_i, s_i^2) || N(mu_j, s_j^2))."""
    var = torch.exp(2 * log_sigma)
    kl = (log_sigma[None, :, :] - log_sigma[:, None, :]
          + (var[:, None, :] + (mu[:, None, :] - mu[None, :, :]) ** 2) / (2 * var[None, :, :]) - 0.5).sum(2)
    kl.fill_diagonal_(float("inf"))
    return torch.argmin(kl, dim=1)


def objective_fixture(name, kind, gaussian=False, classification="ce", partners="random"):
    """One step of an objective with every random draw given; all terms and gradients."""
    w = OBJECTIVE_WEIGHTS
    p = mlp_vae_parameters()
    xl = torch.rand(3, 1, 4, 4) * (2 if gaussian else 1) - (1 if gaussian else 0)
    xu = torch.rand(5, 1, 4, 4) * (2 if gaussian else 1) - (1 if gaussian else 0)
    yl = torch.tensor([2, 0, 3])
    onehot = F.one_hot(yl, 4).float()
    eps_l, eps_u, gumbel = torch.randn(3, 3), torch.randn(5, 3), -torch.log(-torch.log(torch.rand(5, 4) + 1e-12) + 1e-12)
    lam_l, perm_l = 0.83, torch.tensor([2, 0, 1])
    lam_u, perm_u = 0.37, torch.tensor([3, 4, 0, 2, 1])
    terms = {}
    # Labeled half.
    mu, ls, la = encode(p, xl)
    out = decode(p, mu + torch.exp(ls) * eps_l, onehot, gaussian)
    loss_l = evidence(xl, out, mu, ls, la, gaussian, terms, "labeled")
    if kind == "supervised":
        loss_l = w["a"] * class_loss(la, onehot, classification)
        terms = {"labeled.classification": class_loss(la, onehot, classification)}
    elif kind == "m2":
        c = class_loss(la, onehot, classification)
        terms["labeled.classification"] = c
        loss_l = w["ew"] * loss_l + w["a"] * c
    elif kind in ("smooth", "shot"):
        with torch.no_grad():
            xm = lam_l * xl + (1 - lam_l) * xl[perm_l]
            mu_t = lam_l * mu + (1 - lam_l) * mu[perm_l]
            sig_t = lam_l * torch.exp(ls) + (1 - lam_l) * torch.exp(ls)[perm_l]
            q = lam_l * onehot + (1 - lam_l) * onehot[perm_l]
        mu2, ls2, la2 = encode(p, xm)
        dc = (((mu2 - mu_t) ** 2).sum() + ((torch.exp(ls2) - sig_t) ** 2).sum()) / 3
        dd = class_loss(la2, q, classification)
        terms["labeled.posteriorMatching"] = dc
        terms["labeled.classification"] = dd
        loss_l = w["ew"] * (loss_l + w["bc"] * w["pw"] * dc) + w["a"] * dd
    else:
        loss_l = w["ew"] * loss_l
    # Unlabeled half.
    if kind == "supervised":
        loss_u = torch.zeros(())
    else:
        mu, ls, la = encode(p, xu)
        y = F.softmax((la + gumbel) / TAU, dim=1)
        out = decode(p, mu + torch.exp(ls) * eps_u, y, gaussian)
        loss_u = evidence(xu, out, mu, ls, la, gaussian, terms, "unlabeled")
        if kind == "shot":
            with torch.no_grad():
                idx = perm_u if partners == "random" else optimal_match(mu, ls)
                xm = lam_u * xu + (1 - lam_u) * xu[idx]
                mu_t = lam_u * mu + (1 - lam_u) * mu[idx]
                sig_t = lam_u * torch.exp(ls) + (1 - lam_u) * torch.exp(ls)[idx]
                alpha_t = lam_u * torch.exp(la) + (1 - lam_u) * torch.exp(la)[idx]
            mu2, ls2, la2 = encode(p, xm)
            dc = (((mu2 - mu_t) ** 2).sum() + ((torch.exp(ls2) - sig_t) ** 2).sum()) / 5
            du = -torch.mean(torch.sum(alpha_t * la2, dim=1))
            terms["unlabeled.posteriorMatching"] = dc
            terms["unlabeled.classification"] = du
            loss_u = w["ew"] * (loss_u + w["bc"] * w["pw"] * dc) + w["ucw"] * du
            terms["partners"] = idx.float()
        else:
            loss_u = w["ew"] * loss_u
    terms["labeled.loss"] = loss_l
    terms["unlabeled.loss"] = loss_u
    total = loss_l + loss_u
    total.backward()
    tensors = {"param/" + k: v for k, v in p.items()}
    tensors.update({"grad/" + k: v.grad for k, v in p.items() if v.grad is not None})
    tensors.update({"term/" + k: v.detach().reshape(()) if v.dim() == 0 else v for k, v in terms.items()})
    tensors.update({"term/total": total.detach(), "xl": xl, "xu": xu, "eps_l": eps_l, "eps_u": eps_u,
                    "gumbel": gumbel})
    meta = dict(w, kind=kind, gaussian=int(gaussian), classification=classification, partners=partners,
                lam_l=lam_l, lam_u=lam_u, perm_l="2,0,1", perm_u="3,4,0,2,1", labels="2,0,3")
    save(name, tensors, meta)


def objective_fixtures():
    objective_fixture("objective_elbo_bernoulli", "elbo")
    objective_fixture("objective_elbo_gaussian", "elbo", gaussian=True)
    objective_fixture("objective_m2_bce", "m2", gaussian=True, classification="bce")
    objective_fixture("objective_m2_ce", "m2")
    objective_fixture("objective_supervised", "supervised")
    objective_fixture("objective_smooth_elbo", "smooth")
    objective_fixture("objective_shot", "shot")
    objective_fixture("objective_shot_optimal_match", "shot", gaussian=True, classification="bce",
                      partners="optimal")


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
    layer_fixtures()
    optimizer_fixtures()
    schedule_fixtures()
    objective_fixtures()
    # 3x3, stride 1, padding 1, 16+ channels on both sides: the Winograd path (last, so that the
    # random draws of every fixture above stay as they were).
    conv2d_fixture("conv2d_winograd", 3, 16, 8, 10, 20, 3, 1, 1)
    # 4x4, stride 2, padding 1, 16+ channels on both sides: the polyphase Winograd path, for a
    # convolution and a transposed convolution (after the above, for the same reason).
    conv2d_fixture("conv2d_polyphase", 3, 16, 8, 12, 20, 4, 2, 1)
    conv_transpose2d_fixture("conv_transpose2d_polyphase", 2, 20, 4, 6, 16, 4, 2, 1, 0)
    print("wrote", len(os.listdir(OUT)), "fixtures to", OUT)


if __name__ == "__main__":
    main()
