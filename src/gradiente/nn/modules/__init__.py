"""The layers of ``gradiente.nn``, one file per kind as in PyTorch."""

from .adaptive import AdaptiveLogSoftmaxWithLoss
from .activation import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    MultiheadAttention,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmin,
    Softplus,
    Softsign,
    Tanh,
    Tanhshrink,
)
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import Dropout, Dropout1d, Dropout2d
from .flatten import Flatten, Unflatten
from .linear import Bilinear, Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
    CTCLoss,
)
from .module import Module, RemovableHandle
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .pixelshuffle import PixelShuffle, PixelUnshuffle
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .sparse import Embedding
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .activation import GLU, RReLU, Hardshrink, Softmax2d, Softshrink, Threshold
from .channelshuffle import ChannelShuffle
from .dropout import AlphaDropout, Dropout3d, FeatureAlphaDropout
from .fold import Fold, Unfold
from .sparse import EmbeddingBag
from .normalization import (BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
                            LocalResponseNorm, RMSNorm)
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d,
                      ZeroPad3d)
from .pooling import (AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
                      AvgPool3d, FractionalMaxPool2d, LPPool1d, LPPool2d, LPPool3d, MaxPool3d,
                      MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)

__all__ = [
    "Module", "RemovableHandle", "Sequential", "ModuleList", "ModuleDict", "Identity", "Linear",
    "Bilinear", "Flatten", "Unflatten", "Dropout", "BatchNorm1d", "LayerNorm", "Embedding",
    "Dropout1d", "Dropout2d", "BatchNorm2d",
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish",
    "Softplus", "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Softsign",
    "LogSigmoid", "Tanhshrink", "Softmax", "LogSoftmax", "Softmin", "L1Loss", "MSELoss",
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "HuberLoss", "SmoothL1Loss",
    "KLDivLoss", "GaussianNLLLoss", "PoissonNLLLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
    "CosineEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
    "MultiLabelMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d",
    "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "Upsample",
    "UpsamplingNearest2d", "UpsamplingBilinear2d", "RNNBase", "RNN", "LSTM", "GRU", "RNNCell",
    "LSTMCell", "GRUCell", "MultiheadAttention", "Transformer", "TransformerEncoder",
    "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer", "GroupNorm",
    "ParameterList", "ParameterDict", "CosineSimilarity", "PairwiseDistance", "PixelShuffle",
    "PixelUnshuffle",
]
__all__ += [  # padding, more pooling and normalisation, activations, dropout, fold, bags
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
    "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d", "MaxUnpool1d", "MaxUnpool2d",
    "MaxUnpool3d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
    "RMSNorm", "LocalResponseNorm", "GLU", "Threshold", "Hardshrink", "Softshrink", "RReLU",
    "Softmax2d", "AlphaDropout", "FeatureAlphaDropout", "Dropout3d", "ChannelShuffle", "Fold",
    "Unfold", "EmbeddingBag", "ConvTranspose3d", "RNNCellBase",
    "CTCLoss", "AdaptiveLogSoftmaxWithLoss", "FractionalMaxPool2d",
]
