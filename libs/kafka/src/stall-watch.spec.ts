import { StallWatch } from './stall-watch';

describe('StallWatch', () => {
  it('reports a partition whose lag stays and whose offset does not move for the stall time', () => {
    const watch = new StallWatch(1000);
    watch.observe(0, 10, 5, 0);
    watch.observe(0, 10, 7, 600);
    expect(watch.stalled(999)).toEqual({});
    expect(watch.stalled(1000)).toEqual({ 0: 1000 });
  });

  it('does not report a partition that is behind but moving', () => {
    const watch = new StallWatch(1000);
    watch.observe(0, 10, 50, 0);
    watch.observe(0, 20, 40, 900);
    expect(watch.stalled(1500)).toEqual({});
  });

  it('does not report a partition with no lag, however long its offset stays', () => {
    const watch = new StallWatch(1000);
    watch.observe(1, 10, 0, 0);
    watch.observe(1, 10, 0, 5000);
    expect(watch.stalled(9000)).toEqual({});
  });

  it('starts counting when an idle partition gets lag', () => {
    const watch = new StallWatch(1000);
    watch.observe(2, 10, 0, 0);
    watch.observe(2, 10, 3, 5000);
    expect(watch.stalled(5500)).toEqual({});
    expect(watch.stalled(6000)).toEqual({ 2: 1000 });
  });

  it('counts the stall time again from the next observation once a partition is forgotten', () => {
    const watch = new StallWatch(1000);
    watch.observe(0, 10, 5, 0);
    watch.observe(1, 10, 5, 0);
    watch.forget(0);
    watch.observe(0, 10, 5, 900);
    expect(watch.stalled(1000)).toEqual({ 1: 1000 });
    watch.clear();
    expect(watch.stalled(5000)).toEqual({});
  });
});
