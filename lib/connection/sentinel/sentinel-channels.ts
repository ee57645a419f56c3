/** Sentinel pub/sub channels the monitor follows. */
export const SENTINEL_CHANNELS = [
  '+switch-master',
  '+try-failover',
  '+elected-leader',
  '+failover-state-select-slave',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+failover-state-wait-promotion',
  '+promoted-slave',
  '+failover-state-reconf-slaves',
  '+failover-end',
  '+failover-end-for-timeout',
  '-failover-abort-not-elected',
  '-failover-abort-no-good-slave',
  '-failover-abort-slave-timeout',
  '+sdown',
  '-sdown',
  '+odown',
  '-odown',
  '+slave',
  '+convert-to-slave',
  '+slave-reconf-done',
  '+role-change',
  '-role-change',
  '+reboot',
  '+fix-slave-config',
];

export const FAILOVER_START = new Set([
  '+try-failover',
  '+elected-leader',
  '+failover-state-select-slave',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+failover-state-reconf-slaves',
]);
export const FAILOVER_END = new Set([
  '+failover-end',
  '+failover-end-for-timeout',
  '-failover-abort-not-elected',
  '-failover-abort-no-good-slave',
  '-failover-abort-slave-timeout',
]);
