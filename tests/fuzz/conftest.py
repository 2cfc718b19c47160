"""Options for the contract fuzzing run: bounded in `make test`, long in `make fuzz`."""

from hypothesis import HealthCheck, settings


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz-examples",
        type=int,
        default=3,
        help="schemathesis examples per operation and role (make test: 3; make fuzz: 200)",
    )


def pytest_configure(config):
    settings.register_profile(
        "natjoub-fuzz",
        max_examples=config.getoption("--fuzz-examples"),
        deadline=None,
        derandomize=True,  # the bounded CI run is reproducible
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    settings.load_profile("natjoub-fuzz")
