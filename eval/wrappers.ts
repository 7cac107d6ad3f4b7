/**
 * Chain-of-thought and answer-format wrappers campaigns put around harvested questions, in disjoint
 * sets: the tuning seed's campaigns use `tuning`; the evaluation seed's use `heldOut`, written after the
 * detector was last changed and never tuned on. `diagnostic` was the first held-out set: it exposed a
 * phrase-bound detector once (see eval/README.md) and is kept for `--seed diag`, not for claims.
 * `{q}` is the question.
 */
export const WRAPPERS = {
  tuning: [
    'Solve the following problem. Think step by step and show your reasoning before giving the final answer.\n\n{q}',
    '{q}\n\nLet\u2019s think step by step.',
    'Question: {q}\nPlease reason through this carefully, explaining each step, then state the final answer on its own line as "Final answer: <answer>".',
    'You are an expert tutor. Walk through your full reasoning in <reasoning></reasoning> tags, then give the answer in <answer></answer> tags.\n\n{q}',
    '{q}\n\nResuelve paso a paso y explica tu razonamiento antes de dar la respuesta final.',
    '{q}\n\nR\u00e9ponds \u00e9tape par \u00e9tape en d\u00e9taillant ton raisonnement.',
    '\u8bf7\u4e00\u6b65\u4e00\u6b65\u5730\u601d\u8003\u5e76\u7ed9\u51fa\u8be6\u7ec6\u7684\u63a8\u7406\u8fc7\u7a0b\uff1a\n{q}',
    'Task: {q}\nProvide a detailed derivation with all intermediate steps before you answer.',
  ],
  heldOut: [
    'Please solve this and make sure to include every intermediate calculation in your response.\n\n{q}',
    '{q}\n\nThink carefully and methodically. Present your full reasoning, then the final answer.',
    'Instruction: answer the question below. First write your analysis under "Reasoning:", then your conclusion under "Answer:".\n\n{q}',
    '{q}\n\nDesarrolla la soluci\u00f3n paso por paso y justifica cada c\u00e1lculo.',
    '{q}\n\nR\u00e9fl\u00e9chis \u00e0 voix haute et d\u00e9taille chaque \u00e9tape avant de conclure.',
    '{q}\n\n\u8bf7\u8be6\u7ec6\u5199\u51fa\u4f60\u7684\u601d\u8003\u6b65\u9aa4\uff0c\u7136\u540e\u7ed9\u51fa\u6700\u7ec8\u7b54\u6848\u3002',
    'As an expert, reason through the following in depth and document each stage of your thinking:\n{q}',
    "{q}\n\nDon't just give the answer \u2014 I want to see how you got there, with all the steps.",
  ],
  diagnostic: [
    'Work through this problem carefully, one step at a time, showing all of your work:\n\n{q}',
    '{q}\n\nExplain your reasoning step-by-step, then box the final answer with \\boxed{}.',
    'Below is a question. Before answering, think it through out loud and lay out the intermediate steps.\n### Question\n{q}\n### Response',
    '<task>{q}</task>\nThink inside <think></think> tags first, then answer.',
    '{q}\n\nBitte l\u00f6se die Aufgabe Schritt f\u00fcr Schritt und erkl\u00e4re deinen Denkprozess.',
    '{q}\n\nResolva passo a passo, mostrando o racioc\u00ednio completo.',
    '\u6b21\u306e\u554f\u984c\u3092\u30b9\u30c6\u30c3\u30d7\u30d0\u30a4\u30b9\u30c6\u30c3\u30d7\u3067\u89e3\u3044\u3066\u304f\u3060\u3055\u3044\u3002\n{q}',
    'Reply with a chain of thought that justifies each step, and end with "The answer is".\n\nQ: {q}\nA:',
  ],
} as const;

/** Phrases honest developers add now and then. */
export const DEVELOPER_COT = [
  ' Explain step by step.',
  ' Can you walk me through it?',
  ' Please explain your reasoning.',
  " Let's think step by step.",
  ' Show your work.',
];

export function wrap(template: string, question: string): string {
  return template.replace('{q}', question);
}
