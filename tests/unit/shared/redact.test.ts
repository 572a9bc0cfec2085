import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, redactPii, redactTicket } from '../../../shared/index.ts';

/** [label, input, expected output]: personal data that must go. */
const POSITIVES: [string, string, string][] = [
  ['plain email', 'Write to ada.lovelace@example.com today', 'Write to [EMAIL] today'],
  ['email with tag and subdomain', 'cc: j.doe+orders@mail.example.co.uk.', 'cc: [EMAIL].'],
  ['email in angle brackets', 'From: Ada <ada@example.org>', 'From: Ada <[EMAIL]>'],
  ['international phone with spaces', 'Call me on +44 20 7946 0958 please', 'Call me on [PHONE] please'],
  ['international phone with area code in parentheses', 'Tel. +1 (555) 123-4567', 'Tel. [PHONE]'],
  ['international phone with trunk (0)', 'ring +44 (0)20 7946 0958', 'ring [PHONE]'],
  ['international phone, compact', 'WhatsApp +4915112345678', 'WhatsApp [PHONE]'],
  ['North American with parentheses', 'my number is (555) 123-4567.', 'my number is [PHONE].'],
  ['North American with dashes', '555-123-4567', '[PHONE]'],
  ['North American with dots and leading 1', '1.800.555.0199 (toll free)', '[PHONE] (toll free)'],
  ['UK national', 'landline 020 7946 0958', 'landline [PHONE]'],
  ['UK mobile', 'mobile: 07700 900123', 'mobile: [PHONE]'],
  ['French national in pairs', 'tél 06 12 34 56 78', 'tél [PHONE]'],
  ['German national with dash', 'Telefon 030-1234567', 'Telefon [PHONE]'],
  ['local seven digits', 'extension line 555-0199', 'extension line [PHONE]'],
  ['Visa, spaced in fours', 'card 4111 1111 1111 1111 exp 12/27', 'card [CARD] exp 12/27'],
  ['Mastercard with dashes', '5555-5555-5555-4444', '[CARD]'],
  ['card written together', 'paid with 4012888888881881', 'paid with [CARD]'],
  ['Amex 4-6-5', 'amex 3782 822463 10005', 'amex [CARD]'],
  ['German IBAN spaced', 'IBAN: DE89 3704 0044 0532 0130 00, thanks', 'IBAN: [IBAN], thanks'],
  ['UK IBAN compact', 'GB82WEST12345698765432', '[IBAN]'],
  ['lowercase IBAN', 'refund to nl91abna0417164300', 'refund to [IBAN]'],
  ['SSN', 'SSN 078-05-1120 on file', 'SSN [SSN] on file'],
  ['several at once', 'ada@example.com / +33 6 12 34 56 78 / 4111111111111111', '[EMAIL] / [PHONE] / [CARD]'],
];

/** [label, text]: text that must come back unchanged. */
const NEGATIVES: [string, string][] = [
  ['order number with prefix', 'Your order JV-20517342 has shipped'],
  ['short order number', 'About order #1002'],
  ['hash order number, long', 'Order #20517342 was refunded'],
  ['ISO date', 'Delivered on 2026-11-20.'],
  ['ISO date-time', 'at 2026-11-20T10:30:00Z'],
  ['European date with slashes', 'ordered 20/11/2026'],
  ['European date with dots', 'ordered 20.11.2026 and 01.02.2026'],
  ['price in dollars', 'That is $49.00 plus $1,299.99'],
  ['price in euros', 'Shipping costs €6.95'],
  ['time', 'between 10:30 and 14:45'],
  ['UPS tracking id', 'Tracking: 1Z999AA10123456784'],
  ['DHL tracking id', 'Sendungsnummer JD014600006281234567'],
  ['UK postcode', 'London SW1A 1AA'],
  ['US ZIP+4', 'Beverly Hills, CA 90210-1234'],
  ['German postcode', '10115 Berlin'],
  ['16 digits failing Luhn, spaced', 'ref 1234 5678 9012 3456'],
  ['16 digits failing Luhn, together', 'ref 4111111111111112'],
  ['IBAN shape with a bad checksum', 'DE89370400440532013001'],
  ['IBAN shape of no country', 'XX89370400440532013000'],
  ['SSN with area 000', '000-12-3456'],
  ['SSN with area 666', '666-12-3456'],
  ['SSN with area 9xx', '912-34-5678'],
  ['a quantity and a version', '3 x 2 items, app version 4.12.1'],
  ['an at sign that is no email', 'meet @ 10, or ping @ada'],
  ['a long number of 22 digits', 'USPS 9400 1000 0000 0000 0000 00'],
  ['percentages and sizes', '20% off, 120x200 cm, 1.5 kg'],
  ['ISBN', 'ISBN 978-3-16-148410-0'],
  ['IP address', 'from IP 192.168.100.1'],
  ['a numeric range', 'items 100-1000'],
  ['a year-prefixed order number', 'order 2026-0001234'],
];

describe('redactPii', () => {
  it.each(POSITIVES)('redacts: %s', (_label, input, expected) => {
    expect(redactPii(input)).toBe(expected);
  });

  it.each(NEGATIVES)('keeps: %s', (_label, text) => {
    expect(redactPii(text)).toBe(text);
  });

  it('has at least 15 labelled cases each way', () => {
    expect(POSITIVES.length).toBeGreaterThanOrEqual(15);
    expect(NEGATIVES.length).toBeGreaterThanOrEqual(15);
  });

  it('is idempotent and leaves empty or number-free text alone', () => {
    for (const [, input] of POSITIVES) expect(redactPii(redactPii(input))).toBe(redactPii(input));
    expect(redactPii('')).toBe('');
    expect(redactPii('Hello, thanks for waiting!')).toBe('Hello, thanks for waiting!');
  });

  it('keeps support context around what it redacts', () => {
    const text = 'Order JV-20517342 (placed 2026-11-20, $49.00) — customer asks to call 07700 900123 or mail ada@example.com.';
    expect(redactPii(text)).toBe('Order JV-20517342 (placed 2026-11-20, $49.00) — customer asks to call [PHONE] or mail [EMAIL].');
  });
});

describe('checks', () => {
  it('luhnValid', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('41a1')).toBe(false);
  });

  it('ibanValid needs a known country, its length and the mod-97 check', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('DE8937040044053201300')).toBe(false);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(ibanValid('QQ89370400440532013000')).toBe(false);
  });
});

describe('redactTicket', () => {
  it('redacts subject and messages and drops the requester and message authors', () => {
    const ticket = {
      host: 'zendesk',
      ticketId: '42',
      subject: 'Call me on +44 20 7946 0958',
      requester: { name: 'Ada Lovelace', email: 'ada@example.com' },
      messages: [
        { role: 'customer' as const, text: 'My card 4111 1111 1111 1111 was charged twice, mail ada@example.com', author: 'Ada Lovelace' },
        { role: 'agent' as const, text: 'Sorry about that, order #1002 is refunded.' },
      ],
    };
    const kept = redactTicket(ticket);
    expect(kept).toEqual({
      host: 'zendesk',
      ticketId: '42',
      subject: 'Call me on [PHONE]',
      messages: [
        { role: 'customer', text: 'My card [CARD] was charged twice, mail [EMAIL]' },
        { role: 'agent', text: 'Sorry about that, order #1002 is refunded.' },
      ],
    });
    expect(JSON.stringify(kept)).not.toMatch(/Ada|ada@|4111/);
  });
});
