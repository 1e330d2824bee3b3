"""Plain-PyTorch BERT that mirrors HuggingFace transformers 4.x modeling_bert.py (the llm.c-style
reference for nnbert's parity tests; `transformers` itself is not installable here).

Module member names are HF's, so `state_dict()` / `named_parameters()` names are exactly HF's:
  bert.embeddings.{word_embeddings,position_embeddings,token_type_embeddings}.weight
  bert.embeddings.LayerNorm.{weight,bias}
  bert.encoder.layer.{i}.attention.self.{query,key,value}.{weight,bias}
  bert.encoder.layer.{i}.attention.output.dense.{weight,bias}
  bert.encoder.layer.{i}.attention.output.LayerNorm.{weight,bias}
  bert.encoder.layer.{i}.intermediate.dense.{weight,bias}
  bert.encoder.layer.{i}.output.dense.{weight,bias}
  bert.encoder.layer.{i}.output.LayerNorm.{weight,bias}
  bert.pooler.dense.{weight,bias}                       (BertForPreTraining only)
  cls.predictions.bias                                   [V]
  cls.predictions.transform.dense.{weight,bias}
  cls.predictions.transform.LayerNorm.{weight,bias}
  cls.predictions.decoder.{weight,bias}    in state_dict() only: weight IS word_embeddings.weight,
                                           bias IS cls.predictions.bias (tied, as in HF);
                                           named_parameters() lists each tensor once, first name.
  cls.seq_relationship.{weight,bias}                     [2, H] (BertForPreTraining only)
  classifier.{weight,bias}                               [num_labels, H] (the fine-tuning heads)

Semantics (HF 4.x):
  embeddings = LayerNorm(word + position + token_type, eps=layer_norm_eps) -> dropout
  scores = q k^T / sqrt(d) + ext_mask,  ext_mask = (1 - mask) * torch.finfo(float32).min
           (HF >= 4.2x uses finfo.min; older versions used -10000.0. Both give exp() == 0 for
           masked keys in fp32, so the probabilities are identical unless a whole row is masked,
           which never happens here: every query row keeps [CLS] / itself.)
  is_decoder: mask = causal[b, q, k] (k <= q) * padding[b, k]  (HF multiplies the two)
  softmax -> attention dropout -> @V -> dense -> dropout -> LayerNorm(. + x)   (post-LN)
  intermediate gelu (erf form) -> dense -> dropout -> LayerNorm(. + h)
  pooler = tanh(dense(h[:, 0]));  MLM head = dense -> gelu -> LayerNorm -> h @ E^T + bias
  NSP head = Linear(H, 2)
Losses:
  BertForPreTraining: CE(pred.view(-1, V), labels.view(-1), ignore_index=-100)
                      + CE(seq_relationship, next_sentence_label)
  BertForMaskedLM:    CE(pred.view(-1, V), labels.view(-1), ignore_index=-100)
  BertLMHeadModel:    CE(pred[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1)), mean over
                      non -100 targets (shifted next-token prediction)
Fine-tuning heads (HF BertForSequenceClassification / BertForTokenClassification):
  sequence: logits = classifier(dropout(pooler(h)))   (B, num_labels); no cls.* heads
  token:    logits = classifier(dropout(h))           (B, T, num_labels); no pooler
  dropout p = classifier_dropout if not None else hidden_dropout_prob
  num_labels = len(id2label) if given, else config num_labels, else 2 (HF PretrainedConfig)
  sequence loss by problem_type; when None HF infers it on the first call and stores it in the
  config: num_labels == 1 -> "regression"; labels long/int -> "single_label_classification";
  else "multi_label_classification". regression: MSE(logits.squeeze(), labels.squeeze()) if
  num_labels == 1 else MSE(logits, labels); single: CE(logits.view(-1, L), labels.view(-1));
  multi: BCEWithLogits(logits, labels) (mean over B*L).
  token loss: CE(logits.view(-1, L), labels.view(-1)) with ignore_index -100.
Init (HF _init_weights): Linear/Embedding weights ~ N(0, initializer_range), biases 0,
LayerNorm (1, 0), word_embeddings row pad_token_id zeroed.
"""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG_DEFAULTS = {
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "is_decoder": False,
}


class BertConfig:
    def __init__(self, **kw):
        for k, v in CONFIG_DEFAULTS.items():
            setattr(self, k, kw.pop(k, v))
        self.extra = kw  # architectures, model_type, ... kept for to_dict()

    @classmethod
    def from_json_file(cls, path):
        with open(path) as f:
            return cls(**json.load(f))

    def to_dict(self):
        d = {k: getattr(self, k) for k in CONFIG_DEFAULTS}
        d.update(self.extra)
        return d

    # HF PretrainedConfig's classification fields, read from the extra keys (to_dict writes them
    # back unchanged). problem_type is assignable: HF stores the type it infers.
    @property
    def id2label(self):
        """{id: name}, HF's defaults LABEL_i when only num_labels (or nothing: 2) is given."""
        if self.extra.get("id2label"):
            return {int(k): v for k, v in self.extra["id2label"].items()}
        n = self.extra.get("num_labels")
        return {i: f"LABEL_{i}" for i in range(2 if n is None else int(n))}

    @property
    def num_labels(self):
        return len(self.id2label)

    @property
    def problem_type(self):
        return self.extra.get("problem_type")

    @problem_type.setter
    def problem_type(self, value):
        self.extra["problem_type"] = value

    @property
    def classifier_dropout(self):
        return self.extra.get("classifier_dropout")


def _act(name):
    if name == "gelu":
        return F.gelu  # erf form
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "relu":
        return F.relu
    raise ValueError(f"unsupported hidden_act {name!r}")


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, input_ids, token_type_ids):
        T = input_ids.shape[1]
        position_ids = torch.arange(T, dtype=torch.long, device=input_ids.device)[None, :]
        x = (self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
             + self.position_embeddings(position_ids))  # HF's order of the sum
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_heads = c.num_attention_heads
        self.head_dim = c.hidden_size // c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.dropout = nn.Dropout(c.attention_probs_dropout_prob)

    def forward(self, x, ext_mask):
        # x (B,T,H); ext_mask (B,1,1,T) or (B,1,T,T), additive
        B, T, H = x.shape

        def heads(t):  # (B,T,H) -> (B,A,T,d)
            return t.view(B, T, self.num_heads, self.head_dim).permute(0, 2, 1, 3)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores + ext_mask
        probs = self.dropout(F.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(B, T, H)


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, x):
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, x, ext_mask):
        return self.output(self.self(x, ext_mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)
        self.act = _act(c.hidden_act)

    def forward(self, x):
        return self.act(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.intermediate_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, x):
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, x, ext_mask):
        a = self.attention(x, ext_mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c.num_hidden_layers)])

    def forward(self, x, ext_mask):
        for layer in self.layer:
            x = layer(x, ext_mask)
        return x


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, h):
        return torch.tanh(self.dense(h[:, 0]))


def extended_attention_mask(attention_mask, is_decoder, dtype=torch.float32):
    """HF get_extended_attention_mask: (B,T) of 1/0 -> additive (B,1,1,T) or (B,1,T,T)."""
    B, T = attention_mask.shape
    if is_decoder:
        seq = torch.arange(T, device=attention_mask.device)
        causal = (seq[None, None, :].repeat(B, T, 1) <= seq[None, :, None]).to(attention_mask.dtype)
        m = causal[:, None, :, :] * attention_mask[:, None, None, :]
    else:
        m = attention_mask[:, None, None, :]
    m = m.to(dtype)
    return (1.0 - m) * torch.finfo(dtype).min


class BertModel(nn.Module):
    def __init__(self, c, add_pooling_layer=True):
        super().__init__()
        self.config = c
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        ext = extended_attention_mask(attention_mask, self.config.is_decoder)
        seq = self.encoder(self.embeddings(input_ids, token_type_ids), ext)
        pooled = self.pooler(seq) if self.pooler is not None else None
        return seq, pooled


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.act = _act(c.hidden_act)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, h):
        return self.LayerNorm(self.act(self.dense(h)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = BertPredictionHeadTransform(c)
        self.decoder = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))
        self.decoder.bias = self.bias  # tied, as in HF

    def forward(self, h):
        return self.decoder(self.transform(h))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = BertLMPredictionHead(c)

    def forward(self, h):
        return self.predictions(h)


class BertPreTrainingHeads(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = BertLMPredictionHead(c)
        self.seq_relationship = nn.Linear(c.hidden_size, 2)

    def forward(self, seq, pooled):
        return self.predictions(seq), self.seq_relationship(pooled)


class _BertPreTrainedModel(nn.Module):
    def tie_weights(self):
        if not hasattr(self, "cls"):  # the classification heads have no decoder to tie
            return
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight
        self.cls.predictions.decoder.bias = self.cls.predictions.bias

    @torch.no_grad()
    def init_weights(self, std=None):
        """HF _init_weights with std = initializer_range unless given."""
        std = self.config.initializer_range if std is None else std
        for m in self.modules():
            if isinstance(m, nn.Linear):
                m.weight.normal_(0.0, std)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.Embedding):
                m.weight.normal_(0.0, std)
                if m.padding_idx is not None:
                    m.weight[m.padding_idx].zero_()
            elif isinstance(m, nn.LayerNorm):
                m.weight.fill_(1.0)
                m.bias.zero_()
        # decoder.weight is word_embeddings.weight: re-tie in case normal_ touched it last
        self.tie_weights()
        emb = self.bert.embeddings.word_embeddings
        emb.weight[emb.padding_idx].zero_()
        if hasattr(self, "cls"):
            self.cls.predictions.bias.zero_()

    def checkpoint_state(self):
        """name -> tensor as written to model.safetensors: every parameter once under its first
        (HF) name, i.e. without the tied cls.predictions.decoder.{weight,bias}."""
        return {n: p.detach().clone() for n, p in self.named_parameters()}

    def load_checkpoint_state(self, tensors, strict=True):
        """Load name -> tensor, accepting HF variants: LayerNorm.gamma/.beta, missing tied decoder,
        ignored *.position_ids. Raises KeyError/ValueError naming the tensor otherwise."""
        own = dict(self.named_parameters())
        seen = set()
        for name, t in tensors.items():
            n = name
            if n.endswith("position_ids"):
                continue
            if n.endswith("LayerNorm.gamma"):
                n = n[: -len("gamma")] + "weight"
            elif n.endswith("LayerNorm.beta"):
                n = n[: -len("beta")] + "bias"
            if n == "cls.predictions.decoder.weight":
                n = "bert.embeddings.word_embeddings.weight"
                if n in tensors or n in seen:
                    ref = tensors.get(n)
                    if ref is not None and not torch.equal(ref.float(), t.float()):
                        raise ValueError(f"{name}: differs from the word embeddings it is tied to")
                    continue
            if n == "cls.predictions.decoder.bias":
                n = "cls.predictions.bias"
                if n in tensors or n in seen:
                    continue
            if n not in own:
                if strict:
                    raise KeyError(f"unexpected tensor {name}")
                continue
            p = own[n]
            if tuple(t.shape) != tuple(p.shape):
                raise ValueError(f"{name}: shape {tuple(t.shape)}, expected {tuple(p.shape)}")
            with torch.no_grad():
                p.copy_(t.to(p.dtype))
            seen.add(n)
        missing = [n for n in own if n not in seen]
        if missing and strict:
            raise KeyError(f"missing tensor {missing[0]}" +
                           (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))


class BertForPreTraining(_BertPreTrainedModel):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = BertModel(c, add_pooling_layer=True)
        self.cls = BertPreTrainingHeads(c)
        self.init_weights()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None,
                next_sentence_label=None):
        seq, pooled = self.bert(input_ids, attention_mask, token_type_ids)
        pred, rel = self.cls(seq, pooled)
        out = {"sequence_output": seq, "pooled_output": pooled,
               "prediction_logits": pred, "seq_relationship_logits": rel}
        if labels is not None and next_sentence_label is not None:
            V = self.config.vocab_size
            mlm = F.cross_entropy(pred.view(-1, V), labels.view(-1), ignore_index=-100)
            nsp = F.cross_entropy(rel.view(-1, 2), next_sentence_label.view(-1))
            out.update(loss=mlm + nsp, mlm_loss=mlm, nsp_loss=nsp)
        return out


class BertForMaskedLM(_BertPreTrainedModel):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = BertModel(c, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(c)
        self.init_weights()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        seq, _ = self.bert(input_ids, attention_mask, token_type_ids)
        pred = self.cls(seq)
        out = {"sequence_output": seq, "prediction_logits": pred}
        if labels is not None:
            out["loss"] = F.cross_entropy(pred.view(-1, self.config.vocab_size), labels.view(-1),
                                          ignore_index=-100)
        return out


class BertLMHeadModel(_BertPreTrainedModel):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = BertModel(c, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(c)
        self.init_weights()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        seq, _ = self.bert(input_ids, attention_mask, token_type_ids)
        pred = self.cls(seq)
        out = {"sequence_output": seq, "prediction_logits": pred}
        if labels is not None:
            V = self.config.vocab_size
            shifted = pred[:, :-1, :].contiguous()
            out["loss"] = F.cross_entropy(shifted.view(-1, V), labels[:, 1:].contiguous().view(-1),
                                          ignore_index=-100)
        return out


def _classifier_dropout(c):
    return c.classifier_dropout if c.classifier_dropout is not None else c.hidden_dropout_prob


class BertForSequenceClassification(_BertPreTrainedModel):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = c.num_labels
        self.bert = BertModel(c, add_pooling_layer=True)
        self.dropout = nn.Dropout(_classifier_dropout(c))
        self.classifier = nn.Linear(c.hidden_size, c.num_labels)
        self.init_weights()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        seq, pooled = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.classifier(self.dropout(pooled))
        out = {"sequence_output": seq, "pooled_output": pooled, "logits": logits}
        if labels is not None:
            c = self.config
            if c.problem_type is None:  # HF infers the type once and keeps it in the config
                if self.num_labels == 1:
                    c.problem_type = "regression"
                elif self.num_labels > 1 and labels.dtype in (torch.long, torch.int):
                    c.problem_type = "single_label_classification"
                else:
                    c.problem_type = "multi_label_classification"
            if c.problem_type == "regression":
                if self.num_labels == 1:
                    out["loss"] = F.mse_loss(logits.squeeze(), labels.squeeze())
                else:
                    out["loss"] = F.mse_loss(logits, labels)
            elif c.problem_type == "single_label_classification":
                out["loss"] = F.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
            elif c.problem_type == "multi_label_classification":
                out["loss"] = F.binary_cross_entropy_with_logits(logits, labels)
            else:
                raise ValueError(f"unsupported problem_type {c.problem_type!r}")
        return out


class BertForTokenClassification(_BertPreTrainedModel):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = c.num_labels
        self.bert = BertModel(c, add_pooling_layer=False)
        self.dropout = nn.Dropout(_classifier_dropout(c))
        self.classifier = nn.Linear(c.hidden_size, c.num_labels)
        self.init_weights()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        seq, _ = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.classifier(self.dropout(seq))
        out = {"sequence_output": seq, "logits": logits}
        if labels is not None:
            out["loss"] = F.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1),
                                          ignore_index=-100)
        return out


ARCHITECTURES = {
    "BertForPreTraining": BertForPreTraining,
    "BertForMaskedLM": BertForMaskedLM,
    "BertLMHeadModel": BertLMHeadModel,
    "BertForSequenceClassification": BertForSequenceClassification,
    "BertForTokenClassification": BertForTokenClassification,
}


def no_decay(name):
    """HF run_pretraining / Trainer grouping: no weight decay for biases and LayerNorm weights."""
    return any(nd in name for nd in ("bias", "LayerNorm.weight"))
