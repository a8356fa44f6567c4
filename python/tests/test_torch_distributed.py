"""optim_mlir.torch.AdamW as the optimizer of torch's
ZeroRedundancyOptimizer: two processes on the gloo backend, each stepping its
shard of the parameters, end where one process with torch.optim.AdamW ends."""

import socket

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed", exc_type=ImportError)
dist = pytest.importorskip("torch.distributed", exc_type=ImportError)
if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch was built without the gloo backend", allow_module_level=True)

import torch.multiprocessing as mp  # noqa: E402
from torch.distributed.optim import ZeroRedundancyOptimizer  # noqa: E402

import optim_mlir.torch as otorch  # noqa: E402

STEPS = 12
HYPER = dict(lr=1e-2, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)


def model(seed=0):
    # Six parameters of different sizes, so that the shards differ.
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 32), torch.nn.Tanh(), torch.nn.Linear(32, 16),
                               torch.nn.Tanh(), torch.nn.Linear(16, 3)).double()


def backward(net, step):
    # Every rank computes the same loss on the same batch, so the gradients
    # agree without an all-reduce.
    gen = torch.Generator().manual_seed(100 + step)
    x = torch.randn(9, 6, generator=gen, dtype=torch.float64)
    net.zero_grad()
    net(x).square().mean().backward()


def rank_main(rank, world, port, results):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    try:
        net = model()
        opt = ZeroRedundancyOptimizer(net.parameters(), optimizer_class=otorch.AdamW, **HYPER)
        for step in range(STEPS):
            backward(net, step)
            opt.step()
        # Each rank stepped only its shard; the step broadcasts the others.
        owned = sum(len(g["params"]) for g in opt.optim.param_groups)
        # Plain arrays: torch tensors would travel as shared memory that
        # ends with this process.
        results.put((rank, owned, [p.detach().numpy().copy() for p in net.parameters()]))
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_zero_redundancy_optimizer_on_two_gloo_ranks_matches_one_process():
    context = mp.get_context("spawn")
    results = context.Queue()
    port = free_port()
    processes = [context.Process(target=rank_main, args=(rank, 2, port, results))
                 for rank in range(2)]
    for p in processes:
        p.start()
    by_rank = {}
    for _ in processes:
        rank, owned, params = results.get(timeout=240)  # a dead rank never answers
        by_rank[rank] = (owned, params)
    for p in processes:
        p.join(timeout=240)
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]

    net = model()
    opt = torch.optim.AdamW(net.parameters(), foreach=False, **HYPER)
    for step in range(STEPS):
        backward(net, step)
        opt.step()
    expected = list(net.parameters())

    # The state was sharded: each rank owned some parameters, together all.
    owned = [by_rank[r][0] for r in range(2)]
    assert all(n > 0 for n in owned) and sum(owned) == len(expected)
    for rank in range(2):
        for got, want in zip(by_rank[rank][1], expected):
            torch.testing.assert_close(torch.from_numpy(got), want.detach(), rtol=1e-7,
                                       atol=1e-7)
