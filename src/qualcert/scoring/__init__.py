"""The pure scoring core: frames and models in, frames and models out. No I/O, no printing."""
