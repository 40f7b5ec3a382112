export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitPolicy {
  /** Consecutive failed attempts that open the circuit. */
  failuresToOpen: number;
  /** How long the circuit stays open before one half-open probe. */
  openMs: number;
}

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt: number;
}

/**
 * One circuit per agent, in memory of one dispatcher instance (docs/agents.md):
 * closed lets every attempt through; after `failuresToOpen` consecutive failed
 * attempts it opens and lets none through (the agent's deliveries wait, their
 * attempts uncounted); after `openMs` it lets exactly one probe through
 * (half-open), whose outcome closes it or opens it again.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly policy: CircuitPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an attempt to the agent may start now; true for a half-open probe takes the probe. */
  tryAcquire(agent: string): boolean {
    const circuit = this.circuits.get(agent);
    if (!circuit || circuit.state === 'closed') {
      return true;
    }
    if (circuit.state === 'open' && this.now() - circuit.openedAt >= this.policy.openMs) {
      circuit.state = 'half_open';
      return true;
    }
    return false;
  }

  /** Agents whose attempts may not start now (open, or half-open with the probe out). */
  blocked(): string[] {
    const now = this.now();
    return [...this.circuits.entries()]
      .filter(([, c]) => c.state === 'half_open' || (c.state === 'open' && now - c.openedAt < this.policy.openMs))
      .map(([agent]) => agent);
  }

  /** A probe that ended without an answer to judge (the attempt could not be made): open again, probe later. */
  abandonProbe(agent: string): void {
    const circuit = this.circuits.get(agent);
    if (circuit?.state === 'half_open') {
      circuit.state = 'open';
      circuit.openedAt = this.now();
    }
  }

  succeeded(agent: string): void {
    this.circuits.delete(agent);
  }

  failed(agent: string): void {
    const circuit = this.circuits.get(agent) ?? { state: 'closed', failures: 0, openedAt: 0 };
    circuit.failures += 1;
    if (circuit.state === 'half_open' || circuit.failures >= this.policy.failuresToOpen) {
      circuit.state = 'open';
      circuit.openedAt = this.now();
    }
    this.circuits.set(agent, circuit);
  }

  state(agent: string): CircuitState {
    return this.circuits.get(agent)?.state ?? 'closed';
  }

  /** Every agent whose circuit is not closed, with its state. */
  snapshot(): Map<string, CircuitState> {
    return new Map([...this.circuits.entries()].filter(([, c]) => c.state !== 'closed').map(([a, c]) => [a, c.state]));
  }
}
