"""Products and price lists: everyone signed in reads them, admins and analysts keep them."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import catalog
from .auth import login_required
from .catalog_schemas import (
    PriceListArgs,
    PriceListCreate,
    PriceListSchema,
    PriceListUpdate,
    ProductArgs,
    ProductCreate,
    ProductPage,
    ProductSchema,
    ProductUpdate,
)

blp = Blueprint("products", __name__, url_prefix="/api",
                description="Products and price lists")
WRITERS = ("admin", "analyst")


def detail(price_list) -> dict:
    return {**{c.name: getattr(price_list, c.name) for c in price_list.__table__.columns},
            "items": catalog.listed_prices(price_list)}


@blp.get("/products")
@login_required()
@blp.arguments(ProductArgs, location="query")
@blp.response(200, ProductPage)
def products(args):
    """The catalogue by code; ``active=true`` for what can be quoted."""
    found = catalog.search_products(**args)
    return {"items": found.items, "total": found.total, "page": found.page,
            "per_page": found.per_page}


@blp.post("/products")
@login_required(*WRITERS)
@blp.arguments(ProductCreate)
@blp.response(201, ProductSchema)
def create_product(body):
    """A new product; 409 naming the product that has the code already."""
    return catalog.create_product(body)


@blp.get("/products/<int:product_id>")
@login_required()
@blp.response(200, ProductSchema)
def get_product(product_id: int):
    return catalog.get_product(product_id)


@blp.patch("/products/<int:product_id>")
@login_required(*WRITERS)
@blp.arguments(ProductUpdate)
@blp.response(200, ProductSchema)
def update_product(body, product_id: int):
    """Change a product, or withdraw it from sale with ``active: false``."""
    return catalog.update_product(product_id, body)


@blp.delete("/products/<int:product_id>")
@login_required(*WRITERS)
@blp.response(204)
def delete_product(product_id: int):
    """Delete a product no quote names; 409 naming the quotes otherwise."""
    catalog.delete_product(product_id)


@blp.get("/price-lists")
@login_required()
@blp.arguments(PriceListArgs, location="query")
@blp.response(200, PriceListSchema(many=True))
def price_lists(args):
    """Price lists by tier, the latest period first."""
    return [detail(price_list) for price_list in catalog.price_lists(**args)]


@blp.post("/price-lists")
@login_required(*WRITERS)
@blp.arguments(PriceListCreate)
@blp.response(201, PriceListSchema)
def create_price_list(body):
    """A tier's prices over a period; 409 naming the active list of the tier it overlaps."""
    return detail(catalog.create_price_list(body))


@blp.get("/price-lists/<int:price_list_id>")
@login_required()
@blp.response(200, PriceListSchema)
def get_price_list(price_list_id: int):
    return detail(catalog.get_price_list(price_list_id))


@blp.patch("/price-lists/<int:price_list_id>")
@login_required(*WRITERS)
@blp.arguments(PriceListUpdate)
@blp.response(200, PriceListSchema)
def update_price_list(body, price_list_id: int):
    """Change a price list; ``items``, when sent, replace all its items."""
    return detail(catalog.update_price_list(price_list_id, body))


@blp.delete("/price-lists/<int:price_list_id>")
@login_required(*WRITERS)
@blp.response(204)
def delete_price_list(price_list_id: int):
    """Delete a price list no quote was priced from; 409 naming the quotes otherwise."""
    catalog.delete_price_list(price_list_id)
