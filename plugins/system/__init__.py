"""system: CPU, memory, load and processes of this machine, via psutil (the htop corner)."""
