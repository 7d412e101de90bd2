/** The complete lines of each chunk as one array: batches keep the caller's hot loop synchronous. */
export async function* lineBatches(input) {
    if (typeof input === 'string') {
        yield splitAll(input);
        return;
    }
    const decoder = new TextDecoder('utf-8');
    let carry = '';
    for await (const chunk of input) {
        const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
        const last = text.lastIndexOf('\n');
        if (last < 0) {
            carry = text;
            continue;
        }
        carry = text.slice(last + 1);
        yield splitAll(text.slice(0, last));
    }
    carry += decoder.decode();
    if (carry.length > 0)
        yield splitAll(carry);
}
function splitAll(text) {
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '')
        lines.pop();
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (line.endsWith('\r'))
            lines[i] = line.slice(0, -1);
    }
    return lines;
}
//# sourceMappingURL=lines.js.map