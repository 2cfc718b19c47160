"""``python -m natjoub.serving.granian_main <granian options> <app>``: granian's command line, with
its main process's stop signals relayed to the thread that acts on them (see stop_signals)."""

from natjoub.serving import stop_signals

if __name__ == "__main__":
    stop_signals.relay()
    from granian.cli import entrypoint

    entrypoint()
