/** bigint columns read back as JS numbers (seqs and offsets stay far below 2^53). */
export const bigintColumn = {
  type: 'bigint' as const,
  transformer: {
    to: (value: number | null | undefined) => value,
    from: (value: string | null) => (value === null ? null : Number(value)),
  },
};
