// Prints an object with console.log: Node colours it when stdout is a terminal.
console.log(JSON.stringify({ isTTY: process.stdout.isTTY === true }));
console.log({ answer: 42, text: 'plain' });
