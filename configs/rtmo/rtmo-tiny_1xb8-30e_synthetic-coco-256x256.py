# RTMO (RTMODCCHead: mmpose's RTMOHead on our DCC; CSPDarknet, HybridEncoder)
# scaled down to train from scratch on synthetic-coco (`easy`) on 2 CPU
# cores.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic_coco.py'
]

max_epochs = 30
stage2_epochs = 10
input_size = (256, 256)
metafile = 'configs/_base_/datasets/coco.py'  # mmpose's COCO metainfo
widen_factor = 0.25
deepen_factor = 0.33

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=10, max_keep_ckpts=1))
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='ForceDefaultOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0,
        bias_decay_mult=0,
        bypass_duplicate=True,
        force_default_settings=True),
    clip_grad=dict(max_norm=10.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-4,
        begin=0,
        T_max=max_epochs,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
]

codec = dict(type='YOLOXPoseAnnotationProcessor', input_size=input_size)
train_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='BottomupRandomAffine',
        input_size=input_size,
        shift_factor=0.1,
        rotate_factor=10,
        scale_factor=(0.75, 1.25),
        pad_val=114,
        distribution='uniform',
        bbox_keep_corner=False,
        clip_border=True),
    dict(type='YOLOXHSVRandomAug'),
    dict(type='RandomFlip'),
    dict(type='BottomupGetHeatmapMask', get_invalid=True),
    dict(type='FilterAnnotations', by_kpt=True, by_box=True, keep_empty=False),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupResize', input_size=input_size, pad_val=(114, ) * 3),
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'ori_shape', 'img_shape',
                   'input_size', 'input_center', 'input_scale')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

custom_hooks = [
    dict(
        type='RTMOModeSwitchHook',
        epoch_attributes={
            max_epochs - stage2_epochs: {
                'proxy_target_cc': True,
                'loss_mle.loss_weight': 5.0,
                'loss_oks.loss_weight': 10.0
            },
        },
        priority=48),
    dict(type='SyncNormHook', priority=48),
    *_base_.custom_hooks[1:],  # the runtime's, after its SyncBuffersHook
]

model = dict(
    type='BottomupPoseEstimator',
    init_cfg=dict(
        type='Kaiming',
        layer='Conv2d',
        a=2.23606797749979,
        distribution='uniform',
        mode='fan_in',
        nonlinearity='leaky_relu'),
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        pad_size_divisor=32,
        mean=[0, 0, 0],
        std=[1, 1, 1]),
    backbone=dict(
        type='CSPDarknet',
        deepen_factor=deepen_factor,
        widen_factor=widen_factor,
        out_indices=(2, 3, 4),
        spp_kernal_sizes=(5, 9, 13),
        norm_cfg=dict(type='BN', momentum=0.03, eps=0.001),
        act_cfg=dict(type='Swish')),
    neck=dict(
        type='HybridEncoder',
        in_channels=[64, 128, 256],
        deepen_factor=deepen_factor,
        widen_factor=widen_factor,
        hidden_dim=128,
        output_indices=[1, 2],
        encoder_cfg=dict(
            self_attn_cfg=dict(embed_dims=128, num_heads=4, dropout=0.0),
            ffn_cfg=dict(
                embed_dims=128,
                feedforward_channels=512,
                ffn_drop=0.0,
                act_cfg=dict(type='GELU'))),
        projector=dict(
            type='ChannelMapper',
            in_channels=[128, 128],
            kernel_size=1,
            out_channels=128,
            act_cfg=None,
            norm_cfg=dict(type='BN'),
            num_outs=2)),
    head=dict(
        type='RTMODCCHead',
        num_keypoints=17,
        featmap_strides=(16, 32),
        head_module_cfg=dict(
            num_classes=1,
            in_channels=128,
            cls_feat_channels=128,
            channels_per_group=36,
            pose_vec_channels=128,
            widen_factor=0.5,  # each branch takes half of the 128 channels
            stacked_convs=2,
            norm_cfg=dict(type='BN', momentum=0.03, eps=0.001),
            act_cfg=dict(type='Swish')),
        assigner=dict(
            type='SimOTAAssigner',
            dynamic_k_indicator='oks',
            oks_calculator=dict(type='PoseOKS', metainfo=metafile),
            use_keypoints_for_center=True),
        prior_generator=dict(
            type='MlvlPointGenerator',
            centralize_points=True,
            strides=[16, 32]),
        dcc_cfg=dict(
            type='DCC',
            in_channels=128,
            feat_channels=64,
            num_bins=(64, 64),
            spe_channels=64,
            gau_cfg=dict(
                s=64,
                expansion_factor=2,
                dropout_rate=0.0,
                drop_path=0.0,
                act_fn='SiLU',
                pos_enc='add')),
        overlaps_power=0.5,
        loss_cls=dict(
            type='VariFocalLoss',
            reduction='sum',
            use_target_weight=True,
            loss_weight=1.0),
        loss_bbox=dict(
            type='IoULoss',
            mode='square',
            eps=1e-16,
            reduction='sum',
            loss_weight=5.0),
        loss_oks=dict(
            type='OKSLoss',
            reduction='none',
            metainfo=metafile,
            loss_weight=30.0),
        loss_vis=dict(
            type='BCELoss',
            use_target_weight=True,
            reduction='mean',
            loss_weight=1.0),
        loss_mle=dict(
            type='MLECCLoss', use_target_weight=True, loss_weight=1.0),
        loss_bbox_aux=dict(type='L1Loss', reduction='sum', loss_weight=1.0)),
    test_cfg=dict(input_size=input_size, score_thr=0.1, nms_thr=0.65))
