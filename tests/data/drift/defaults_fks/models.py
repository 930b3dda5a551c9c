"""Drift fixture `defaults_fks`: server defaults and foreign keys that differ (legacy `Column`
attributes on a 2.0 `DeclarativeBase`). Its migrations branch and merge (a merge revision with a
tuple `down_revision`).

- ORM707 `books`: `status` defaults to 'draft' here, 'new' in the migrations; `featured` has a
  server default here only; `rating` has one in the migrations only.
- ORM708 `books`: `author_id` is ON DELETE CASCADE here, SET NULL in the migrations;
  `publisher_id` points at publishers.id here, at authors.id in the migrations;
  `editor_id` has a foreign key here only.
- ORM708 `reviews`: `reviewer_id` has a foreign key in the migrations only.
- No drift: `books.language` is `text("'en'")` here and "en" in the migrations; `books.copies` is
  "0" here and `sa.text("0")` in the migrations; `books.title` has no server default on either
  side; `reviews.book_id`'s foreign key was added after the merge with `create_foreign_key`.
"""

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, false, text
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)


class Publisher(Base):
    __tablename__ = "publishers"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)


class Book(Base):
    __tablename__ = "books"

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    status = Column(String(20), nullable=False, server_default="draft")
    language = Column(String(8), nullable=False, server_default=text("'en'"))
    copies = Column(Integer, nullable=False, server_default="0")
    featured = Column(Boolean, nullable=False, server_default=false())
    rating = Column(Integer, nullable=True)
    author_id = Column(Integer, ForeignKey("authors.id", ondelete="CASCADE"), nullable=True)
    publisher_id = Column(Integer, ForeignKey("publishers.id"), nullable=True)
    editor_id = Column(Integer, ForeignKey("authors.id"), nullable=True)


class Review(Base):
    __tablename__ = "reviews"

    id = Column(Integer, primary_key=True)
    book_id = Column(Integer, ForeignKey("books.id", ondelete="CASCADE"), nullable=False)
    reviewer_id = Column(Integer, nullable=False)
    body = Column(String(2000), nullable=False)
