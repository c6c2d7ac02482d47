import time


# Blocks in time.sleep, which releases the GIL: threads overlap these waits.
# @workload args=[0.2] budget=4
def wait_for_reply(seconds):
    time.sleep(seconds)
    return seconds
