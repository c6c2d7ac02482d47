import time


# @workload args=[0.03] budget=3
def nap(seconds):
    time.sleep(seconds)
    return seconds


def spin(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
