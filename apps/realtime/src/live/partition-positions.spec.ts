import { PartitionPositions } from './partition-positions';

function deliverAll(positions: PartitionPositions, partition: number, offsets: string[]): void {
  for (const offset of offsets) {
    positions.delivered(partition, offset);
  }
}

describe('PartitionPositions', () => {
  it('delivers the first batch of a partition whole, wherever it starts', () => {
    expect(new PartitionPositions().plan(0, ['40', '41'])).toEqual({ kind: 'deliver', from: 0 });
  });

  it('delivers a batch that continues where the last one stopped', () => {
    const positions = new PartitionPositions();
    deliverAll(positions, 0, ['40', '41']);
    expect(positions.plan(0, ['42', '43'])).toEqual({ kind: 'deliver', from: 0 });
  });

  it('goes back to its position when a rejoin made the fetch start past it', () => {
    const positions = new PartitionPositions();
    deliverAll(positions, 0, ['40', '41']);
    expect(positions.plan(0, ['57', '58'])).toEqual({ kind: 'seek', offset: '42' });
    expect(positions.plan(0, ['42', '43'])).toEqual({ kind: 'deliver', from: 0 });
  });

  it('goes back to one position only once, so offsets Kafka no longer has cannot make it loop', () => {
    const positions = new PartitionPositions();
    deliverAll(positions, 0, ['41']);
    expect(positions.plan(0, ['90'])).toEqual({ kind: 'seek', offset: '42' });
    expect(positions.plan(0, ['90', '91'])).toEqual({ kind: 'deliver', from: 0 });
  });

  it('drops the messages it delivered already when a batch starts before its position', () => {
    const positions = new PartitionPositions();
    deliverAll(positions, 0, ['40', '41', '42']);
    expect(positions.plan(0, ['41', '42', '43'])).toEqual({ kind: 'deliver', from: 2 });
    expect(positions.plan(0, ['40', '41'])).toEqual({ kind: 'deliver', from: 2 });
  });

  it('keeps each partition on its own position', () => {
    const positions = new PartitionPositions();
    deliverAll(positions, 0, ['10']);
    deliverAll(positions, 1, ['500']);
    expect(positions.plan(1, ['501'])).toEqual({ kind: 'deliver', from: 0 });
    expect(positions.plan(0, ['12'])).toEqual({ kind: 'seek', offset: '11' });
  });
});
