// The progress thread's settings (from start()'s options and FUTURES_MPI_* tuning variables).
// Set on the JavaScript thread before the progress thread starts; read-only afterwards.
#pragma once

namespace fmpi {

struct EngineOptions {
  double backoff_max_us = 1000;       // longest sleep while work is expected
  double deep_idle_after_s = 1.0;     // after this long without any activity ...
  double deep_idle_us = 10000;        // ... sleep up to this long
  double parked_us = 100000;          // a controller JavaScript expects nothing of (woken by commands)
  double spin_us = 250;               // busy polling (yielding) after the last activity, before sleeping
  double nap_us = 50;                 // then short sleeps ...
  double nap_window_us = 1000;        // ... for this long, then doubling sleeps up to the cap
  double heartbeat_interval_s = 1.0;  // worker -> controller
  double heartbeat_timeout_s = 30.0;  // a worker silent this long is lost (0: never)
  double terminate_grace_s = 3.0;     // a terminated worker process exits by itself after this
};

}  // namespace fmpi
