"""Peak resident memory of this process.

Not ``ru_maxrss``: on Linux it survives exec, so a child started by a large parent reports the
parent's size (a 700 MB benchmark runner made a 250 MB report look like 705 MB). ``VmHWM`` belongs
to the process's own address space, which exec replaces.
"""

import resource


def peak_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
