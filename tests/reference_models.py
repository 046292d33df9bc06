"""The model table shared by the derivation, certificate and kernel tests (catalogue parameters as strings)."""

MODELS = {
    "lattice-d1-white": {"space": "lattice", "dim": 1, "correlation": "white", "variance": "0.7", "length": "1"},
    "lattice-d2-white": {"space": "lattice", "dim": 2, "correlation": "white", "variance": "0.7", "length": "1"},
    "lattice-d3-white": {"space": "lattice", "dim": 3, "correlation": "white", "variance": "0.7", "length": "1"},
    "lattice-d2-gaussian": {"space": "lattice", "dim": 2, "correlation": "gaussian", "variance": "0.7",
                            "length": "2"},
    "continuum-d1-white": {"space": "continuum", "dim": 1, "correlation": "white", "variance": "0.7",
                           "length": "1.3"},
    "continuum-d2-white": {"space": "continuum", "dim": 2, "correlation": "white", "variance": "0.7",
                           "length": "1.3"},
    "continuum-d3-white": {"space": "continuum", "dim": 3, "correlation": "white", "variance": "0.7",
                           "length": "1.3"},
    "continuum-d1-gaussian": {"space": "continuum", "dim": 1, "correlation": "gaussian", "variance": "0.7",
                              "length": "1.3"},
    "continuum-d2-gaussian": {"space": "continuum", "dim": 2, "correlation": "gaussian", "variance": "0.7",
                              "length": "1.3"},
    "continuum-d3-gaussian": {"space": "continuum", "dim": 3, "correlation": "gaussian", "variance": "0.7",
                              "length": "1.3"},
    "continuum-d3-exp": {"space": "continuum", "dim": 3, "correlation": "exp(-r)", "variance": "1", "length": "1"},
}
