"""`python -m serve --replicas N`: a course bigger than one process.

N `streamlit run app.py` replicas on consecutive loopback ports, each with its share of the
box's cores, behind one nginx with sticky sessions and websocket upgrades; a supervisor restarts a
replica that dies or stops answering /_stcore/health. `make serve REPLICAS=N` runs it.

plan.py: ports, core split, each replica's command and environment (pure)
restart.py: when to restart a replica (backoff) and when its health says it hangs (pure)
nginx.py: the nginx config rendered from nginx.conf.template, `nginx -t`, finding the binary
supervisor.py: the processes: start, watch, restart, stop
"""

from serve.plan import Replica, ServePlan, make_plan, split_cores
from serve.supervisor import Supervisor

__all__ = ["Replica", "ServePlan", "Supervisor", "make_plan", "split_cores"]
