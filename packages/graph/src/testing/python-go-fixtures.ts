/** Hand-written Python and Go with real bodies, for the never-a-body test beside the third-party TypeScript and JavaScript. */
export const PYTHON_GO_FIXTURES: Record<string, string> = {
  'py/billing/invoices.py': `"""Invoices: creation, totals and delivery."""
from decimal import Decimal
from .tax import rate_for

DEFAULT_CURRENCY = "EUR"


class Invoice:
    """An invoice with its lines."""

    def __init__(self, customer_id: str, currency: str = DEFAULT_CURRENCY):
        self.customer_id = customer_id
        self.currency = currency
        self.lines = []

    def add_line(self, description: str, amount: Decimal, quantity: int = 1) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self.lines.append({"description": description, "amount": amount, "quantity": quantity})

    def total(self, country: str) -> Decimal:
        subtotal = sum(line["amount"] * line["quantity"] for line in self.lines)
        tax = subtotal * rate_for(country)
        return (subtotal + tax).quantize(Decimal("0.01"))


def send_invoice(invoice: Invoice, mailer, *, retries: int = 3) -> bool:
    """Sends the invoice, retrying transient failures."""
    for attempt in range(retries):
        try:
            mailer.send(to=invoice.customer_id, subject="Your invoice", body=str(invoice.total("FR")))
            return True
        except TimeoutError:
            if attempt == retries - 1:
                raise
    return False
`,
  'py/billing/tax.py': `RATES = {"FR": 0.2, "DE": 0.19}


def rate_for(country: str) -> float:
    """The VAT rate of a country."""
    rate = RATES.get(country)
    if rate is None:
        raise KeyError(f"no VAT rate for {country}")
    return rate
`,
  'go/ledger/ledger.go': `package ledger

import (
	"errors"
	"sync"
)

// ErrInsufficientFunds is returned when an account cannot cover a debit.
var ErrInsufficientFunds = errors.New("insufficient funds")

// Ledger holds balances in cents.
type Ledger struct {
	mu       sync.Mutex
	balances map[string]int64
}

// New returns an empty ledger.
func New() *Ledger {
	return &Ledger{balances: make(map[string]int64)}
}

// Transfer moves amount from one account to another, atomically.
func (l *Ledger) Transfer(from, to string, amount int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.balances[from] < amount {
		return ErrInsufficientFunds
	}
	l.balances[from] -= amount
	l.balances[to] += amount
	return nil
}

func (l *Ledger) balance(account string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	value, ok := l.balances[account]
	if !ok {
		return 0
	}
	return value
}
`,
};
