"""Opportunities, the pipeline board and the forecast."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import pipeline  # registers the stage.changed timeline source
from .auth import current_user, login_required
from .pipeline_schemas import (
    BoardArgs,
    BoardSchema,
    ForecastArgs,
    ForecastSchema,
    OpportunityArgs,
    OpportunityCreate,
    OpportunityDetailSchema,
    OpportunityPage,
    OpportunityUpdate,
    StageInput,
    StageSchema,
)

blp = Blueprint("pipeline", __name__, url_prefix="/api",
                description="Opportunities, the pipeline board and the forecast")
WRITERS = ("sales", "manager")  # and admins; analysts read


def summary(opportunity, customer_name: str | None = None) -> dict:
    return {**{c.name: getattr(opportunity, c.name) for c in opportunity.__table__.columns},
            "customer_name": customer_name or pipeline.customer_name(opportunity),
            "probability": pipeline.probability_of(opportunity),
            "probability_overridden": opportunity.probability is not None,
            "weighted": pipeline.weighted_amount(opportunity),
            "days_in_stage": pipeline.days_in_stage(opportunity)}


def detail(opportunity) -> dict:
    return {**summary(opportunity), "stage_history": pipeline.history(opportunity)}


@blp.get("/opportunities")
@login_required()
@blp.arguments(OpportunityArgs, location="query")
@blp.response(200, OpportunityPage)
def search(args):
    """The opportunities I see (mine; a manager's teams'; all for admins and analysts),
    newest first."""
    found = pipeline.search(current_user(), **args)
    names = pipeline.customer_names(found.items)
    return {"items": [summary(o, names.get(o.account_id)) for o in found.items],
            "total": found.total,
            "page": found.page, "per_page": found.per_page}


@blp.post("/opportunities")
@login_required(*WRITERS)
@blp.arguments(OpportunityCreate)
@blp.response(201, OpportunityDetailSchema)
def create(body):
    """A new opportunity with a customer I see, owned by me unless a manager or admin names
    the owner; it starts in the first stage unless `stage` says otherwise."""
    return detail(pipeline.create(current_user(), body))


@blp.get("/opportunities/<int:opportunity_id>")
@login_required()
@blp.response(200, OpportunityDetailSchema)
def get(opportunity_id: int):
    """An opportunity with its weighted amount and every stage change (who, when, why)."""
    return detail(pipeline.get_opportunity(opportunity_id, current_user()))


@blp.patch("/opportunities/<int:opportunity_id>")
@login_required(*WRITERS)
@blp.arguments(OpportunityUpdate)
@blp.response(200, OpportunityDetailSchema)
def update(body, opportunity_id: int):
    """Change an opportunity; `stage` moves the card (a lost stage needs `reason`); `owner`:
    managers and admins."""
    return detail(pipeline.update(opportunity_id, current_user(), body))


@blp.get("/pipeline/stages")
@login_required()
@blp.response(200, StageSchema(many=True))
def stages():
    """The stages in order, with their default probabilities."""
    return pipeline.stages()


@blp.put("/pipeline/stages")
@login_required("analyst")
@blp.arguments(StageInput(many=True))
@blp.response(200, StageSchema(many=True))
def replace_stages(body):
    """Replace the stages with this ordered list: unique slug keys, exactly one won stage, at
    least one lost; 409 naming the stages in use that it would remove."""
    return pipeline.replace_stages(current_user(), body)


@blp.get("/pipeline")
@login_required()
@blp.arguments(BoardArgs, location="query")
@blp.response(200, BoardSchema)
def board(args):
    """The kanban board of the deals I see: columns in order with cards, counts and totals
    per currency."""
    return pipeline.board(current_user(), **args)


@blp.get("/forecast")
@login_required()
@blp.arguments(ForecastArgs, location="query")
@blp.response(200, ForecastSchema)
def forecast(args):
    """Weighted open pipeline and committed (won) amounts by month, owner or team, per
    currency, with the definitions used."""
    return pipeline.forecast(current_user(), **args)
