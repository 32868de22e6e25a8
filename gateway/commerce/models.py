"""The record: typed SQLAlchemy 2.0 models. Money is an integer in minor units plus a currency."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import true as sa_true
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from gateway.commerce.search_keys import search_key


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


Stamp = DateTime(timezone=True)


class Shop(Base):
    __tablename__ = "shops"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # what a customer dials: *384*123*<number>#
    name: Mapped[str] = mapped_column(String(80), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    owner_phone: Mapped[str] = mapped_column(String(20), index=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    summary_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Terms (gateway/commerce/shop_terms.py): where it is, whether and for how much it delivers,
    # the smallest order it takes, and when it is open ("Mon-Sat 08:00-19:00"; None: always).
    town: Mapped[str | None] = mapped_column(String(60), index=True)
    delivers: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    delivery_fee_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    min_order_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    hours: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str | None] = mapped_column(String(40))  # IANA name; None: the owner's country's
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    contacts: Mapped[list[ShopContact]] = relationship(back_populates="shop", cascade="all, delete-orphan")


class ShopContact(Base):
    """A phone number allowed to run a shop by SMS (the owner and any staff)."""

    __tablename__ = "shop_contacts"
    __table_args__ = (UniqueConstraint("shop_id", "phone"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    role: Mapped[str] = mapped_column(String(10), default="owner")  # owner | staff
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Stamp)
    language: Mapped[str | None] = mapped_column(String(5))  # learnt from the keywords they text
    shop: Mapped[Shop] = relationship(back_populates="contacts")


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("shop_id", "sku"),
        Index("ix_products_category_listing", "category_id", "active", "name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)
    # search_key(name), kept by the two hooks below; indexed by migration 0008 (trigram on PostgreSQL)
    search_name: Mapped[str] = mapped_column(String(120), default=lambda c: _name_key(c), server_default="")


def _name_key(context: DefaultExecutionContext) -> str:
    """A Core insert's search_name (bench's bulk seed): the key of the row's ``name``."""
    return search_key(str(context.get_current_parameters().get("name") or ""))


@event.listens_for(Product.name, "set")
def _name_changed(product: Product, name: str, *_: object) -> None:
    """An ORM write of a product's name (import, console edit) refreshes its search key."""
    product.search_name = search_key(name or "")


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    language: Mapped[str | None] = mapped_column(String(5))
    town: Mapped[str | None] = mapped_column(String(60))  # picked first when shops are in several towns
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class CartItem(Base):
    """A line of a customer's cart. A cart holds one shop's items at a time."""

    __tablename__ = "cart_items"
    __table_args__ = (UniqueConstraint("customer_id", "product_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    qty: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    product: Mapped[Product] = relationship()


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_created", "customer_id", "created_at"),
                      Index("ix_orders_shop_status", "shop_id", "status"),
                      Index("ix_orders_created", "created_at"))  # the console: newest first, per day
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    payment_method: Mapped[str] = mapped_column(String(20))  # cash | mpesa | sandbox ...
    total_minor: Mapped[int] = mapped_column(BigInteger)  # the items plus the delivery fee
    delivery_fee_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    currency: Mapped[str] = mapped_column(String(3))
    fulfilment: Mapped[str] = mapped_column(String(10))  # pickup | delivery
    landmark: Mapped[str | None] = mapped_column(String(80))
    ussd_session_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    refund_due: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(Stamp)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", cascade="all, delete-orphan")
    customer: Mapped[Customer] = relationship()
    shop: Mapped[Shop] = relationship()


class OrderLine(Base):
    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    qty: Mapped[int] = mapped_column(Integer)
    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(Base):
    """The audit trail of an order: every status change, who made it and through which channel."""

    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(60))  # phone number, admin:<name>, or system
    channel: Mapped[str] = mapped_column(String(10))  # ussd | sms | admin | payment | system
    note: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class AuditEntry(Base):
    """Changes that are not order transitions: stock, price, visibility, settings."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)  # queued|requested|paid|failed|mismatch
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    phone: Mapped[str] = mapped_column(String(20))
    checkout_request_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    # Ours, fixed before the provider is first asked, so a retried request is the same request.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    merchant_request_id: Mapped[str | None] = mapped_column(String(100))
    receipt: Mapped[str | None] = mapped_column(String(40), unique=True)
    result_code: Mapped[str | None] = mapped_column(String(20))
    result_desc: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    resolution: Mapped[str | None] = mapped_column(String(20))  # an admin's call on a flag: accepted|refunded
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)
    order: Mapped[Order] = relationship()


class PaymentCallback(Base):
    """Every payment callback exactly as it arrived, kept for the admin and for disputes."""

    __tablename__ = "payment_callbacks"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    checkout_request_id: Mapped[str | None] = mapped_column(String(100), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    raw: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10), default="callback", server_default="callback")  # |status
    received_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class OutboundSms(Base):
    """The SMS outbox: written in the transaction of the event that causes it, sent by a job."""

    __tablename__ = "outbound_sms"
    id: Mapped[int] = mapped_column(primary_key=True)
    to_phone: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # queued|sending|sent|delivered|failed
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    provider_status: Mapped[str | None] = mapped_column(String(40))
    status_code: Mapped[int | None] = mapped_column(Integer)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    cost: Mapped[str | None] = mapped_column(String(40))
    segments: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(Stamp)  # when a send job last claimed it
    sent_at: Mapped[datetime | None] = mapped_column(Stamp)
    delivered_at: Mapped[datetime | None] = mapped_column(Stamp)


class DeliveryReport(Base):
    """Delivery reports as received; applied to the message once its messageId is known."""

    __tablename__ = "delivery_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_message_id: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20))  # the provider's word, as sent
    meaning: Mapped[str | None] = mapped_column(String(20))  # delivered | failed | None (still under way)
    failure_reason: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(20))
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class InboundSms(Base):
    __tablename__ = "inbound_sms"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(100), unique=True)
    from_phone: Mapped[str] = mapped_column(String(20), index=True)
    to: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    link_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="received")  # received|processed|ignored
    received_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(Stamp)


class UssdHop(Base):
    """One screen of one dial, as the handset showed it. Written in batches by the worker."""

    __tablename__ = "ussd_hops"
    __table_args__ = (UniqueConstraint("session_id", "seq"), Index("ix_ussd_hops_at", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(20))
    screen: Mapped[str] = mapped_column(String(40))
    input: Mapped[str | None] = mapped_column(String(200))
    reply: Mapped[str] = mapped_column(Text)
    ms: Mapped[float] = mapped_column()
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class UssdSession(Base):
    """One dial: opened by its first hop, closed by AT's end-of-session notification."""

    __tablename__ = "ussd_sessions"
    __table_args__ = (Index("ix_ussd_sessions_started", "started_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(100), unique=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    service_code: Mapped[str | None] = mapped_column(String(40))
    network_code: Mapped[str | None] = mapped_column(String(10))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"))
    last_screen: Mapped[str | None] = mapped_column(String(40))
    furthest_step: Mapped[str | None] = mapped_column(String(20))  # funnel: dial|shop|cart|checkout|order
    hops: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str | None] = mapped_column(String(20))  # Success | Incomplete | Failed
    cost: Mapped[str | None] = mapped_column(String(30))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    input_masked: Mapped[str | None] = mapped_column(String(300))
    error_message: Mapped[str | None] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(Stamp)


class AdminUser(Base):
    __tablename__ = "admin_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="admin")  # admin | staff
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(Stamp)  # set: the account cannot sign in
