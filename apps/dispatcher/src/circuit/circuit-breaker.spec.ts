import { CircuitBreakers } from './circuit-breaker';

describe('CircuitBreakers', () => {
  let now = 0;
  const breakers = () => new CircuitBreakers({ failuresToOpen: 3, openMs: 1000 }, () => now);

  beforeEach(() => {
    now = 0;
  });

  it('opens after N consecutive failures and lets nothing through while open', () => {
    const circuits = breakers();
    circuits.failed('a');
    circuits.failed('a');
    expect(circuits.tryAcquire('a')).toBe(true);
    circuits.failed('a');
    expect(circuits.state('a')).toBe('open');
    expect(circuits.tryAcquire('a')).toBe(false);
    expect(circuits.blocked()).toEqual(['a']);
  });

  it('a success in between resets the count', () => {
    const circuits = breakers();
    circuits.failed('a');
    circuits.failed('a');
    circuits.succeeded('a');
    circuits.failed('a');
    expect(circuits.state('a')).toBe('closed');
  });

  it('lets exactly one half-open probe through after the open duration', () => {
    const circuits = breakers();
    [1, 2, 3].forEach(() => circuits.failed('a'));
    now = 1000;
    expect(circuits.blocked()).toEqual([]);
    expect(circuits.tryAcquire('a')).toBe(true);
    expect(circuits.state('a')).toBe('half_open');
    expect(circuits.tryAcquire('a')).toBe(false);
    expect(circuits.blocked()).toEqual(['a']);
  });

  it('closes on a successful probe and opens again on a failed one', () => {
    const circuits = breakers();
    [1, 2, 3].forEach(() => circuits.failed('a'));
    now = 1000;
    circuits.tryAcquire('a');
    circuits.failed('a');
    expect(circuits.state('a')).toBe('open');
    expect(circuits.tryAcquire('a')).toBe(false);
    now = 2000;
    circuits.tryAcquire('a');
    circuits.succeeded('a');
    expect(circuits.state('a')).toBe('closed');
  });

  it('opens again, for a later probe, when a probe could not be made', () => {
    const circuits = breakers();
    [1, 2, 3].forEach(() => circuits.failed('a'));
    now = 1000;
    circuits.tryAcquire('a');
    circuits.abandonProbe('a');
    expect(circuits.state('a')).toBe('open');
    now = 2000;
    expect(circuits.tryAcquire('a')).toBe(true);
  });

  it('keeps agents apart: one open circuit blocks only its agent', () => {
    const circuits = breakers();
    [1, 2, 3].forEach(() => circuits.failed('dead'));
    expect(circuits.tryAcquire('healthy')).toBe(true);
    expect([...circuits.snapshot().keys()]).toEqual(['dead']);
  });
});
