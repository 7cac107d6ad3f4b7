/** 400 bodies for bad admin input: a readable message and the issues, each naming its field. */
export interface Issue {
  path: PropertyKey[];
  message: string;
}

export function badRequest(issues: readonly Issue[]) {
  return {
    error: {
      message: `invalid request: ${issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`).join('; ')}`,
      issues: issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    },
  };
}
