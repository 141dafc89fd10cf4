"""The expression explorer's worked examples, and starting values for their variables.

Each example shows one idea: the lecture's neuron, micrograd's README example,
a sigmoid neuron, a smooth relu, the log-loss, a leaky relu, and micrograd's
most reported trap (karpathy/micrograd#2): a node used twice, whose gradient
is the sum of both uses -- written with names, ``b = a + a; c = b * b``, so
that b is one node, as in the Python code that falls into the trap.
"""

EXAMPLES = {
    "neuron": "(a * b + c).tanh()",
    "micrograd": "((a * b + c) ** 2 + relu(b - a)) / 2",
    "sigmoid neuron": "sigmoid(w1 * x1 + w2 * x2 + b)",
    "softplus vs relu": "softplus(x) - relu(x)",
    "log-loss": "-(y * log(p) + (1 - y) * log(1 - p))",
    "leaky": "leaky_relu(a * b - c, 0.1) + exp(-a ** 2)",
    "gradient used twice": "b = a + a; c = b * b",
}

# starting values for the worked examples' variables
EXAMPLE_VALUES = {"a": 2.0, "b": -3.0, "c": 10.0, "x": 0.5, "y": 1.0, "p": 0.8, "w1": 0.5,
                  "w2": -1.5, "x1": 1.0, "x2": 2.0}
