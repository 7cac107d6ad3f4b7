/** Requests a harvester and a chat user send, for the live tests. */
const QUESTIONS = [
  'A bakery sells 48 muffins in the morning and half as many in the afternoon. How many muffins are sold in total?',
  'A train leaves at 3 pm travelling 80 km/h; another leaves at 4 pm at 100 km/h. When does the second catch up?',
  'What is the probability of rolling two sixes with two fair dice, and of at least one six?',
  'Solve for x: 3x + 7 = 2x - 5, then verify the solution by substitution.',
  'A rectangle has a perimeter of 56 cm and its length is 4 cm more than its width. Find its area.',
  'If a shirt costs $40 after a 20% discount, what was the original price?',
];

export function harvestRequest(key: string, i: number): Request {
  const q = QUESTIONS[i % QUESTIONS.length] as string;
  return new Request('http://localhost/v1/messages', {
    method: 'POST',
    headers: {
      'x-api-key': key,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'cf-connecting-ip': `100.64.${i % 250}.7`,
    },
    body: JSON.stringify({
      model: 'claude-sonnet-5-5',
      max_tokens: 8192,
      messages: [
        {
          role: 'user',
          content: `Solve the following problem. Think step by step and show your reasoning before the final answer.\n\n${q} (case ${i})`,
        },
      ],
    }),
  });
}

export function chatRequest(key: string, turns: number): Request {
  const messages = [];
  for (let i = 0; i < turns; i++) {
    messages.push({ role: 'user', content: `Thanks! What else could I cook tonight with lentils, rice and spinach? (${i})` });
    if (i < turns - 1) messages.push({ role: 'assistant', content: 'You could make a dal with rice.' });
  }
  return new Request('http://localhost/v1/messages', {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'cf-connecting-ip': '198.51.100.4' },
    body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, messages }),
  });
}
