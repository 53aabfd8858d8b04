"""A stand-in training job: a few epochs of gradient descent on y = 3x + 1."""
import random

random.seed(0)
data = [(x, 3 * x + 1 + random.gauss(0, 0.1)) for x in [i / 10 for i in range(50)]]
w, b, lr = 0.0, 0.0, 0.05
for epoch in range(1, 6):
    for x, y in data:
        err = (w * x + b) - y
        w -= lr * err * x
        b -= lr * err
    loss = sum(((w * x + b) - y) ** 2 for x, y in data) / len(data)
    print(f"epoch {epoch}: loss {loss:.4f} w {w:.3f} b {b:.3f}", flush=True)
