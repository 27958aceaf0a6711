"""A bounded in-memory job queue with per-tenant fairness (round robin across tenants)."""

from collections import OrderedDict, deque


class FairQueue:
    def __init__(self, limit):
        self.limit = limit
        self.by_tenant = OrderedDict()
        self.size = 0

    def push(self, tenant, job):
        if self.size >= self.limit:
            raise OverflowError(f"queue full ({self.limit} jobs)")
        self.by_tenant.setdefault(tenant, deque()).append(job)
        self.size += 1

    def pop(self):
        if not self.by_tenant:
            return None
        tenant, jobs = next(iter(self.by_tenant.items()))
        job = jobs.popleft()
        del self.by_tenant[tenant]
        if jobs:
            self.by_tenant[tenant] = jobs
        self.size -= 1
        return tenant, job
